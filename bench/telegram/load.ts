/**
 * Inbound load through the fake Bot API: messages `m<i>` pushed at a steady rate, round robin over
 * DM chats, and the latencies read back from the fake's record (push → getUpdates answer carrying
 * the update → the gateway's sendMessage "echo: m<i>" arriving at the fake). One clock: the fake
 * runs in this process, so every time is this process's performance.now().
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Update } from "grammy/types";
import type { FakeTelegram, RecordedCall } from "../../test/fakes/telegram/server.js";
import { Samples, type LatencySummary } from "../lib/stats.js";

export interface LoadSpec {
  ratePerSec: number;
  chats: number;
  durationMs: number;
  /** After the last push, how long replies may still arrive before the missing ones count as lost. */
  drainMs: number;
  /** First user id (chat i is firstUser + i). */
  firstUser: number;
  /** Text prefix, so a warm-up and the measured run never match each other's replies. */
  prefix: string;
}

export interface LoadFigures {
  injected: number;
  answered: number;
  /** No reply within drainMs after the last push (queued replies may still be on the gateway's disk). */
  lost: number;
  duplicates: number;
  /** Pushes per second actually achieved by the pacer. */
  offeredRate: number;
  /** Replies per second between the first push and the last reply. */
  answeredRate: number;
  /** Push → sendMessage with the echo arrives at the fake. */
  reply: LatencySummary;
  /** Push → the getUpdates answer that carried the update leaves the fake. */
  pickup: LatencySummary;
  /** Median reply latency of the first and of the last quarter of the pushes (a growing queue shows here); NaN when none was answered. */
  firstQuarterP50: number;
  lastQuarterP50: number;
  polls: number;
  typingCalls: number;
  /** Most sendMessage requests open at once (1: the outbox sends one message at a time, all chats together). */
  sendConcurrency: number;
  /** Median time from the fake answering a sendMessage to the next sendMessage arriving, while replies were still due. */
  sendGapP50: number;
}

/** Pushes `rate` messages per second for `durationMs`, then waits for the replies; reads the figures. */
export async function runLoad(fake: FakeTelegram, spec: LoadSpec): Promise<LoadFigures> {
  const firstCall = fake.calls.length;
  fake.resetPeak("sendMessage");
  const total = Math.round((spec.ratePerSec * spec.durationMs) / 1000);
  const pushedAt = await pace(fake, spec, total);
  const deadline = performance.now() + spec.drainMs;
  while (countReplies(fake.calls, firstCall, spec.prefix) < total && performance.now() < deadline) await sleep(50);
  return { ...figures(fake.calls.slice(firstCall), spec.prefix, pushedAt), sendConcurrency: fake.peakOpen("sendMessage") };
}

/** Pushes message i at start + i/rate (catching up in a burst when the event loop was late). */
async function pace(fake: FakeTelegram, spec: LoadSpec, total: number): Promise<Float64Array> {
  const pushedAt = new Float64Array(total);
  const intervalMs = 1000 / spec.ratePerSec;
  const start = performance.now();
  let i = 0;
  while (i < total) {
    const now = performance.now();
    for (; i < total && start + i * intervalMs <= now; i++) {
      fake.pushMessage({ from: spec.firstUser + (i % spec.chats), text: `${spec.prefix}${i}` });
      pushedAt[i] = performance.now();
    }
    if (i < total) await sleep(Math.max(1, start + i * intervalMs - performance.now()));
  }
  return pushedAt;
}

function countReplies(calls: readonly RecordedCall[], from: number, prefix: string): number {
  let n = 0;
  for (let k = from; k < calls.length; k++) {
    const c = calls[k]!;
    if (c.method === "sendMessage" && c.outcome === "ok" && String(c.params["text"]).startsWith(`echo: ${prefix}`)) n++;
  }
  return n;
}

function figures(calls: readonly RecordedCall[], prefix: string, pushedAt: Float64Array): Omit<LoadFigures, "sendConcurrency"> {
  const total = pushedAt.length;
  const indexOf = (text: unknown) => {
    const s = String(text);
    return s.startsWith(prefix) ? Number(s.slice(prefix.length)) : NaN;
  };
  const replyAt = new Float64Array(total).fill(NaN);
  let duplicates = 0;
  let lastReply = 0;
  for (const c of calls) {
    if (c.method !== "sendMessage" || c.outcome !== "ok") continue;
    const i = indexOf(String(c.params["text"]).replace(/^echo: /, ""));
    if (!(i >= 0 && i < total)) continue;
    if (Number.isNaN(replyAt[i]!)) replyAt[i] = c.precise;
    else duplicates++;
    lastReply = Math.max(lastReply, c.precise);
  }
  const pickup = new Samples(total);
  for (const c of calls) {
    if (c.method !== "getUpdates" || c.outcome !== "ok" || c.endedPrecise === undefined) continue;
    for (const u of c.result as Update[]) {
      const i = indexOf(u.message?.text);
      if (i >= 0 && i < total) pickup.add(c.endedPrecise - pushedAt[i]!);
    }
  }
  const reply = latencies(pushedAt, replyAt, 0, total);
  const quarter = Math.max(1, Math.floor(total / 4));
  const answered = reply.count;
  const first = pushedAt[0] ?? 0;
  return {
    injected: total,
    answered,
    lost: total - answered,
    duplicates,
    offeredRate: total > 1 ? ((total - 1) * 1000) / (pushedAt[total - 1]! - first) : 0,
    answeredRate: answered > 0 ? (answered * 1000) / (lastReply - first) : 0,
    reply: reply.summary(),
    pickup: pickup.summary(),
    firstQuarterP50: median(latencies(pushedAt, replyAt, 0, quarter)),
    lastQuarterP50: median(latencies(pushedAt, replyAt, total - quarter, total)),
    polls: calls.filter((c) => c.method === "getUpdates").length,
    typingCalls: calls.filter((c) => c.method === "sendChatAction").length,
    sendGapP50: sendGaps(calls, pushedAt),
  };
}

/** Answered → next sendMessage, over the stretch where the gateway was behind (its next reply was long due). */
function sendGaps(calls: readonly RecordedCall[], pushedAt: Float64Array): number {
  const sends = calls.filter((c) => c.method === "sendMessage" && c.outcome === "ok");
  const gaps = new Samples(sends.length);
  const lastPush = pushedAt[pushedAt.length - 1] ?? 0;
  for (let k = 1; k < sends.length; k++) {
    const prev = sends[k - 1]!;
    if (prev.endedPrecise !== undefined && sends[k]!.precise < lastPush) gaps.add(sends[k]!.precise - prev.endedPrecise);
  }
  return median(gaps);
}

function latencies(pushedAt: Float64Array, replyAt: Float64Array, from: number, to: number): Samples {
  const s = new Samples(to - from);
  for (let i = from; i < to; i++) if (!Number.isNaN(replyAt[i]!)) s.add(replyAt[i]! - pushedAt[i]!);
  return s;
}

function median(s: Samples): number {
  return s.count === 0 ? NaN : s.summary().p50;
}
