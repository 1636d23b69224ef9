// The fuzzer: a gateway alone in a child process, and lanes of WebSocket clients sending it
// generated-and-mutated frames in every connection state (before connect, mid-handshake, connected
// operator, connected node). It reports crashes, unhandled rejections, responses that break the
// contract (off-schema frames, unknown ids, barriers left unanswered) and RSS start → end.
import WebSocket from "ws";
import type { TSchema } from "@sinclair/typebox";
import { EVENTS, EventFrameSchema, ResponseFrameSchema, check, formatIssues } from "@clawdbot/protocol";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { connectParams } from "../support/raw-client.js";
import { fuzzFrame, MUTATIONS, Rng, type Mutation } from "./frames.js";

export const STATES = ["before-connect", "mid-handshake", "operator", "node"] as const;
export type FuzzState = (typeof STATES)[number];

export interface FuzzOptions {
  /** Frames to send in total. */
  count: number;
  seed: number;
  /** Concurrent client lanes. */
  lanes?: number;
  /** Progress lines (every ~10 %). */
  progress?: (line: string) => void;
}

export interface FuzzReport {
  sent: number;
  seed: number;
  byState: Record<FuzzState, number>;
  byMutation: Record<Mutation, number>;
  connections: number;
  serverCloses: number;
  gatewayExited: string | null;
  unhandledRejections: number;
  uncaughtExceptions: number;
  contractBreaks: string[];
  contractBreakCount: number;
  rssStartMb: number;
  rssEndMb: number;
  fdsStart: number;
  fdsEnd: number;
  gatewayErrors: string[];
  seconds: number;
}

const PRE_HELLO_MAX = 64 * 1024;
const OPERATOR_MAX = 512 * 1024;
const BATCH = 40;
const ANSWER_MS = 30_000;
const NODE_METHODS = ["node.invoke.result", "node.event", "health", "node.pair.request", "connect"];

interface Link {
  ws: WebSocket;
  state: FuzzState;
  /** Ids of frames whose answer the lane waits for (barriers). */
  waiting: Map<string, () => void>;
  sentIds: Set<string>;
  closed: Promise<void>;
}

/** Runs a fuzz campaign against a fresh gateway child; never throws for what the gateway did. */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const gw = await startGatewayProcess({});
  const report: FuzzReport = {
    sent: 0,
    seed: opts.seed,
    byState: Object.fromEntries(STATES.map((s) => [s, 0])) as Record<FuzzState, number>,
    byMutation: Object.fromEntries(MUTATIONS.map((m) => [m, 0])) as Record<Mutation, number>,
    connections: 0,
    serverCloses: 0,
    gatewayExited: null,
    unhandledRejections: 0,
    uncaughtExceptions: 0,
    contractBreaks: [],
    contractBreakCount: 0,
    rssStartMb: 0,
    rssEndMb: 0,
    fdsStart: 0,
    fdsEnd: 0,
    gatewayErrors: [],
    seconds: 0,
  };
  let stopping = false;
  void gw.exited.then((code) => {
    if (!stopping) report.gatewayExited = String(code);
  });
  const breach = (what: string) => {
    report.contractBreakCount++;
    if (report.contractBreaks.length < 20) report.contractBreaks.push(what);
  };
  try {
    const lanes = opts.lanes ?? 8;
    // The first tenth warms the gateway up (JIT, caches, pools); RSS and descriptors are measured
    // from there, so "flat" means the remaining nine tenths left nothing behind.
    let budget = Math.ceil(opts.count / 10);
    const take = (n: number) => {
      const k = Math.min(n, budget);
      budget -= k;
      return k;
    };
    let nextReport = opts.count / 10;
    const tick = () => {
      if (report.sent >= nextReport && opts.progress) {
        nextReport += opts.count / 10;
        opts.progress(`fuzz: ${report.sent}/${opts.count} frames, ${report.connections} connections, ${report.contractBreakCount} contract breaks`);
      }
    };
    const phase = (round: number) =>
      Promise.all(Array.from({ length: lanes }, (_, lane) => runLane(gw, new Rng(opts.seed * 1000 + round * 100 + lane), `${round}.${lane}`, take, report, breach, tick)));
    await phase(0);
    const warm = await gw.gc().then(() => gw.stats());
    report.rssStartMb = warm.rss / 2 ** 20;
    report.fdsStart = warm.fds;
    budget = opts.count - report.sent;
    await phase(1);
    const end = await gw.gc().then(() => gw.stats());
    report.rssEndMb = end.rss / 2 ** 20;
    report.fdsEnd = end.fds;
    report.unhandledRejections = end.unhandledRejections;
    report.uncaughtExceptions = end.uncaughtExceptions;
    report.gatewayErrors = end.errors;
  } catch (err) {
    report.gatewayErrors.push(`fuzz driver: ${(err as Error).message}`);
  } finally {
    stopping = true;
    await gw.stop();
    report.seconds = (Date.now() - started) / 1000;
  }
  return report;
}

async function runLane(
  gw: GatewayProcess,
  rng: Rng,
  lane: string,
  take: (n: number) => number,
  report: FuzzReport,
  breach: (what: string) => void,
  tick: () => void,
): Promise<void> {
  const identity = generateIdentity();
  const nodeIdentity = generateIdentity();
  let seq = 0;
  const nextId = () => `l${lane}-${seq++}`;
  const links: Partial<Record<"operator" | "node", Link>> = {};
  for (;;) {
    if (report.gatewayExited !== null) return;
    const roll = rng.next();
    // Pre-connect states cost a socket per frame; 30 % of the lane's turns (about 1 % of frames) go to them.
    const state: FuzzState = roll < 0.15 ? "before-connect" : roll < 0.3 ? "mid-handshake" : roll < 0.65 ? "operator" : "node";
    if (state === "before-connect" || state === "mid-handshake") {
      if (take(1) === 0) break;
      const link = await open(gw.url, state, report, breach);
      if (!link) continue;
      if (state === "mid-handshake") await link.challenge;
      const f = fuzzFrame(rng, nextId(), PRE_HELLO_MAX, state === "mid-handshake" ? "connect" : undefined);
      send(link.link, f.data, report, state, f.mutation);
      // Whatever happens, the gateway answers or closes; a valid connect gets hello-ok.
      await Promise.race([link.link.closed, link.answered, sleep(ANSWER_MS)]);
      link.link.ws.terminate();
      await link.link.closed;
      tick();
      continue;
    }
    const n = take(BATCH);
    if (n === 0) break;
    let link = links[state];
    if (!link || link.ws.readyState !== WebSocket.OPEN) {
      link = (await connected(gw.url, state, state === "node" ? nodeIdentity : identity, report, breach)) ?? undefined;
      if (!link) {
        breach(`${state}: could not connect a fresh ${state} session`);
        return;
      }
      links[state] = link;
    }
    for (let i = 0; i < n && link.ws.readyState === WebSocket.OPEN; i++) {
      const method = state === "node" && rng.chance(0.6) ? rng.pick(NODE_METHODS) : undefined;
      // Most frames stay small; some probe the connected limit itself.
      const f = fuzzFrame(rng, nextId(), rng.chance(0.1) ? OPERATOR_MAX : PRE_HELLO_MAX, method);
      send(link, f.data, report, state, f.mutation);
    }
    // A barrier: a well-formed request after the batch must be answered (or the socket closed).
    if (link.ws.readyState === WebSocket.OPEN) {
      const id = nextId();
      const answered = new Promise<void>((resolve) => link!.waiting.set(id, resolve));
      link.sentIds.add(id);
      // Invalid params: answered at once without running a handler, so it measures the queue alone.
      link.ws.send(JSON.stringify({ type: "req", id, method: "health", params: "barrier" }));
      const ok = await Promise.race([answered.then(() => true), link.closed.then(() => true), sleep(ANSWER_MS).then(() => false)]);
      if (!ok) breach(`${state}: request ${id} unanswered after ${ANSWER_MS} ms`);
    }
    tick();
  }
  for (const l of Object.values(links)) {
    l?.ws.close();
    if (l) await Promise.race([l.closed, sleep(2000)]);
  }
}

function send(link: Link, data: string | Buffer, report: FuzzReport, state: FuzzState, mutation: Mutation): void {
  report.sent++;
  report.byState[state]++;
  report.byMutation[mutation]++;
  if (typeof data === "string") {
    try {
      const v = JSON.parse(data) as { id?: unknown };
      if (v && typeof v === "object" && typeof v.id === "string") link.sentIds.add(v.id);
    } catch {
      /* not JSON: no id to answer */
    }
  }
  link.ws.send(data, { binary: typeof data !== "string" });
}

async function open(
  url: string,
  state: FuzzState,
  report: FuzzReport,
  breach: (what: string) => void,
): Promise<{ link: Link; challenge: Promise<string>; answered: Promise<void> } | null> {
  const ws = new WebSocket(url, { maxPayload: 64 * 2 ** 20 });
  report.connections++;
  let resolveChallenge!: (nonce: string) => void;
  const challenge = new Promise<string>((r) => (resolveChallenge = r));
  let resolveAnswered!: () => void;
  const answered = new Promise<void>((r) => (resolveAnswered = r));
  const link: Link = {
    ws,
    state,
    waiting: new Map(),
    sentIds: new Set(),
    closed: new Promise<void>((resolve) => ws.once("close", () => resolve())),
  };
  ws.on("error", () => undefined);
  ws.on("close", (code) => {
    if (code !== 1005 && code !== 1006) report.serverCloses++;
    for (const done of link.waiting.values()) done();
    link.waiting.clear();
  });
  ws.on("message", (data, isBinary) => {
    const frame = inspect(data, isBinary, link, breach);
    if (frame?.type === "event" && frame.event === "connect.challenge") resolveChallenge((frame.payload as { nonce: string }).nonce);
    if (frame?.type === "res") resolveAnswered();
  });
  const opened = await new Promise<boolean>((resolve) => {
    ws.once("open", () => resolve(true));
    ws.once("close", () => resolve(false));
  });
  if (!opened) {
    breach(`${state}: the gateway refused a new socket`);
    return null;
  }
  return { link, challenge, answered };
}

async function connected(url: string, state: "operator" | "node", identity: DeviceIdentity, report: FuzzReport, breach: (what: string) => void): Promise<Link | null> {
  const opened = await open(url, state, report, breach);
  if (!opened) return null;
  const { link } = opened;
  const nonce = await Promise.race([opened.challenge, sleep(ANSWER_MS).then(() => null)]);
  if (nonce === null) return null;
  const id = "connect";
  const answered = new Promise<void>((resolve) => link.waiting.set(id, resolve));
  link.sentIds.add(id);
  const params = connectParams({ identity, role: state, scopes: state === "operator" ? ["operator.admin"] : [], nonce });
  link.ws.send(JSON.stringify({ type: "req", id, method: "connect", params }));
  await Promise.race([answered, sleep(ANSWER_MS)]);
  return link.ws.readyState === WebSocket.OPEN ? link : null;
}

interface SeenFrame {
  type?: unknown;
  id?: unknown;
  ok?: unknown;
  event?: unknown;
  payload?: unknown;
}

/** Checks one server frame against the contract; returns it parsed. */
function inspect(data: WebSocket.RawData, isBinary: boolean, link: Link, breach: (what: string) => void): SeenFrame | null {
  if (isBinary) {
    breach(`${link.state}: binary frame from the gateway`);
    return null;
  }
  let frame: SeenFrame;
  try {
    frame = JSON.parse(String(data)) as SeenFrame;
  } catch {
    breach(`${link.state}: non-JSON frame from the gateway`);
    return null;
  }
  if (frame.type === "res") {
    const r = check(ResponseFrameSchema, frame);
    if (!r.ok) breach(`${link.state}: response off-schema (${formatIssues(r.issues)}): ${String(data).slice(0, 200)}`);
    // An error about a frame whose id could not be read may carry no id we sent; any other id must be ours.
    if (typeof frame.id === "string" && frame.id !== "" && !link.sentIds.has(frame.id) && frame.ok !== false) {
      breach(`${link.state}: a success for id ${frame.id} that was never sent`);
    }
    if (typeof frame.id === "string") {
      link.waiting.get(frame.id)?.();
      link.waiting.delete(frame.id);
    }
    return frame;
  }
  if (frame.type === "event") {
    const e = check(EventFrameSchema, frame);
    if (!e.ok) breach(`${link.state}: event off-schema (${formatIssues(e.issues)})`);
    const name = String(frame.event);
    const schema = (EVENTS as Record<string, TSchema>)[name];
    if (!schema) breach(`${link.state}: undeclared event ${name}`);
    else {
      const p = check(schema, frame.payload);
      if (!p.ok) breach(`${link.state}: ${name} payload off-schema (${formatIssues(p.issues)})`);
    }
    return frame;
  }
  breach(`${link.state}: frame of unknown type: ${String(data).slice(0, 200)}`);
  return frame;
}

/** True when a report shows nothing wrong: no crash, no rejection, no contract break, RSS flat. */
export function verdict(r: FuzzReport): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  if (r.gatewayExited !== null) problems.push(`the gateway exited (${r.gatewayExited})`);
  if (r.uncaughtExceptions > 0) problems.push(`${r.uncaughtExceptions} uncaught exceptions`);
  if (r.unhandledRejections > 0) problems.push(`${r.unhandledRejections} unhandled rejections`);
  if (r.contractBreakCount > 0) problems.push(`${r.contractBreakCount} contract breaks`);
  // Flat: within 10 % of the warmed-up start, plus room for the JIT and allocator settling.
  if (r.rssEndMb > r.rssStartMb * 1.1 + 24) problems.push(`RSS grew from ${r.rssStartMb.toFixed(0)} to ${r.rssEndMb.toFixed(0)} MB`);
  if (r.fdsEnd > r.fdsStart + 8) problems.push(`descriptors grew from ${r.fdsStart} to ${r.fdsEnd}`);
  return { ok: problems.length === 0, problems };
}

/** The report as lines for a terminal. */
export function formatReport(r: FuzzReport): string {
  const v = verdict(r);
  return [
    `fuzz: ${r.sent} frames in ${r.seconds.toFixed(0)} s (seed ${r.seed}), ${r.connections} connections, ${r.serverCloses} closed by the gateway`,
    `  by state: ${Object.entries(r.byState).map(([k, n]) => `${k} ${n}`).join(", ")}`,
    `  by mutation: ${Object.entries(r.byMutation).map(([k, n]) => `${k} ${n}`).join(", ")}`,
    `  crashes: ${r.gatewayExited === null ? 0 : 1}, uncaught exceptions: ${r.uncaughtExceptions}, unhandled rejections: ${r.unhandledRejections}, contract breaks: ${r.contractBreakCount}`,
    `  RSS after warm-up → end: ${r.rssStartMb.toFixed(1)} MB → ${r.rssEndMb.toFixed(1)} MB, descriptors: ${r.fdsStart} → ${r.fdsEnd}`,
    ...r.contractBreaks.map((b) => `  break: ${b}`),
    ...r.gatewayErrors.map((e) => `  gateway error: ${e}`),
    v.ok ? "fuzz: PASS" : `fuzz: FAIL: ${v.problems.join("; ")}`,
  ].join("\n");
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

