/**
 * Telegram channel latency: the gateway (own process, echo agent, dmPolicy "open") polls the fake
 * Bot API (this process) with grammY; inbound DMs are pushed at 200/s over 50 chats for 10 s, and
 * each message's latency is push → the matching sendMessage reaching the fake. Reports median, p99
 * and lost messages. Bounded: it stops itself after DEADLINE_MS whatever happens.
 *
 * Standalone: `node --import tsx bench/telegram-latency.ts [--rate 200] [--chats 50] [--seconds 10]
 * [--poll-timeout 1]` (after a build). From bench/run.ts:
 * `runTelegramLatencyBench()` returns the figures without printing. BENCH_CPU_PROF=<dir> profiles
 * the gateway process (summarize with bench/tools/profile-top.ts).
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { FakeTelegram } from "../test/fakes/telegram/server.js";
import { Child } from "./lib/child.js";
import { fmtMs, fmtRate, renderTable } from "./lib/table.js";
import type { TelegramGatewayConfig } from "./telegram/gateway.js";
import { runLoad, type LoadFigures, type LoadSpec } from "./telegram/load.js";

/** The echo agent streams its reply in 3 deltas 15 ms apart; the gateway config has no knob for it. */
export const ECHO_DELAY_MS = 3 * 15;

export interface TelegramLatencyOptions {
  ratePerSec?: number;
  chats?: number;
  durationMs?: number;
  pollTimeoutSec?: number;
}

export interface TelegramLatencyFigures extends LoadFigures {
  spec: LoadSpec;
  pollTimeoutSec: number;
  echoDelayMs: number;
  /** Median reply latency minus the echo agent's built-in delay: what polling, routing and the outbox add. */
  addedP50: number;
  warmupAnswered: number;
}

const DEADLINE_MS = 90_000;
const PROFILE_DIR = process.env["BENCH_CPU_PROF"];
const GATEWAY_LIFE_MS = 100_000;

/** Runs the bench; resolves with the figures (throws if the gateway could not start). */
export async function runTelegramLatencyBench(opts: TelegramLatencyOptions = {}): Promise<TelegramLatencyFigures> {
  const pollTimeoutSec = opts.pollTimeoutSec ?? 1;
  const fake = await FakeTelegram.start();
  let gateway: Child | undefined;
  const deadline = setTimeout(() => void gateway?.stop(1000), DEADLINE_MS);
  deadline.unref();
  try {
    const polls = fake.calls.length;
    const config: TelegramGatewayConfig = { apiRoot: fake.apiRoot, botToken: fake.token, pollTimeoutSec, maxLifeMs: GATEWAY_LIFE_MS };
    const nodeArgs = PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [];
    gateway = Child.start({ script: "telegram/gateway.ts", config, label: "gateway-telegram", nodeArgs });
    await gateway.next("ready", 30_000);
    await fake.waitForCall((c) => c.seq > polls && c.method === "getUpdates", 30_000, "first poll of the gateway");
    const chats = opts.chats ?? 50;
    // Warm-up: every chat's session and transcript exist and the JIT has seen the whole path.
    const warmup = await runLoad(fake, { ratePerSec: 100, chats, durationMs: 1000, drainMs: 10_000, firstUser: 100_000, prefix: "warm" });
    const spec: LoadSpec = {
      ratePerSec: opts.ratePerSec ?? 200,
      chats,
      durationMs: opts.durationMs ?? 10_000,
      drainMs: 15_000,
      firstUser: 100_000,
      prefix: "m",
    };
    const load = await runLoad(fake, spec);
    return { ...load, spec, pollTimeoutSec, echoDelayMs: ECHO_DELAY_MS, addedP50: load.reply.p50 - ECHO_DELAY_MS, warmupAnswered: warmup.answered };
  } finally {
    clearTimeout(deadline);
    await gateway?.stop(3000);
    await fake.stop();
  }
}

/** The figures as a short report. */
export function formatTelegramLatency(f: TelegramLatencyFigures): string {
  const head =
    `Telegram channel latency: ${f.injected} DMs at ${fmtRate(f.spec.ratePerSec)} over ${f.spec.chats} chats for ${f.spec.durationMs / 1000} s ` +
    `(offered ${fmtRate(f.offeredRate)}), gateway in its own process, grammY long polling (timeout ${f.pollTimeoutSec} s) against the fake Bot API on loopback`;
  const rows = [
    ["push → sendMessage(echo) at the fake", fmtMs(f.reply.p50), fmtMs(f.reply.p99), fmtMs(f.reply.max)],
    ["push → getUpdates answer carrying it", fmtMs(f.pickup.p50), fmtMs(f.pickup.p99), fmtMs(f.pickup.max)],
  ];
  const table = renderTable(
    [
      { title: "latency", align: "left" },
      { title: "median", align: "right" },
      { title: "p99", align: "right" },
      { title: "max", align: "right" },
    ],
    rows,
  );
  return [
    head,
    table,
    `echo agent built-in delay: ${f.echoDelayMs} ms (3 deltas × 15 ms; not configurable) → added by the gateway at the median: ${fmtMs(f.addedP50)}`,
    `median of the first quarter of the pushes ${msOrNone(f.firstQuarterP50)}, of the last quarter ${msOrNone(f.lastQuarterP50)} (answered ones)`,
    `answered ${f.answered}/${f.injected} (${fmtRate(f.answeredRate)}), lost ${f.lost} (no reply within ${f.spec.drainMs / 1000} s after the last push), duplicates ${f.duplicates}; ` +
      `${f.polls} getUpdates (${(f.injected / Math.max(1, f.polls)).toFixed(1)} messages per poll), ${f.typingCalls} sendChatAction`,
    `outbox: at most ${f.sendConcurrency} sendMessage in flight; median ${msOrNone(f.sendGapP50)} from one answered sendMessage to the next while pushes continued`,
  ].join("\n");
}

function msOrNone(ms: number): string {
  return Number.isNaN(ms) ? "n/a" : fmtMs(ms);
}

/** `--rate 200 --chats 50 --seconds 10 --poll-timeout 1` (all optional). */
function optionsFromArgv(argv: string[]): TelegramLatencyOptions {
  const { values } = parseArgs({
    args: argv,
    options: { rate: { type: "string" }, chats: { type: "string" }, seconds: { type: "string" }, "poll-timeout": { type: "string" } },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const opts: TelegramLatencyOptions = {};
  const rate = num(values.rate);
  const chats = num(values.chats);
  const seconds = num(values.seconds);
  const poll = num(values["poll-timeout"]);
  if (rate !== undefined) opts.ratePerSec = rate;
  if (chats !== undefined) opts.chats = chats;
  if (seconds !== undefined) opts.durationMs = Math.min(30, seconds) * 1000;
  if (poll !== undefined) opts.pollTimeoutSec = poll;
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runTelegramLatencyBench(optionsFromArgv(process.argv.slice(2)))
    .then((f) => {
      process.stdout.write(formatTelegramLatency(f) + "\n");
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`telegram latency bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
