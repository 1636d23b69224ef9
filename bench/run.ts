/**
 * Gateway benchmark: health round trips against a bare ws echo baseline, handshakes per second,
 * and RSS per idle connection. Every server and load generator runs in its own process; all
 * traffic stays on 127.0.0.1. Prints one report and exits 0 (the figures are informative).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Child } from "./lib/child.js";
import { startServer } from "./lib/measure.js";
import { pairIdentities } from "./lib/pairing.js";
import { fdLimits } from "./lib/proc.js";
import { printReport, type IdlePlan, type Outcome, type Results } from "./lib/report.js";
import { measureGatewayClient, measureRttPair } from "./phases/rtt.js";
import { measureHandshakes, type HandshakeSpec } from "./phases/handshake.js";
import type { RoundsSpec } from "./lib/rounds.js";
import { measureIdle } from "./phases/idle-memory.js";

/** No new measurement starts after this; the hard deadline then stops every bench process. */
const BUDGET_MS = 240_000;
const DEADLINE_MS = 360_000;
const SERVER_LIFE_MS = 370_000;
const IDLE_CONNECTIONS = 5000;
/** The larger run, when the open-file hard limit and the time budget allow it. */
const IDLE_CONNECTIONS_LARGE = 10_000;
const IDLE_LOADERS = 4;
/** Idle servers broadcast `tick` this often; loaders time its delivery to every connection for BROADCAST_MS. */
const TICK_INTERVAL_MS = 500;
const BROADCAST_MS = 3000;
const IDENTITIES = 8;
/** Gateway and baseline alternate window by window (A B A B A B); each row reports the median window. */
const RTT: RoundsSpec = { warmupMs: 1000, windowMs: 1000, rounds: 5 };
const CLIENT_RTT: RoundsSpec = { warmupMs: 500, windowMs: 1000, rounds: 3 };
// Handshake rates still climb for about 3 s of load (JIT); the daemon lives in the steady state.
const HANDSHAKES: HandshakeSpec = { warmupMs: 3000, windowMs: 1000, rounds: 5, concurrency: 16, useToken: true };
const TOKENLESS: HandshakeSpec = { warmupMs: 300, windowMs: 1500, rounds: 1, concurrency: 16, useToken: false };
const PLAIN_OPENS: HandshakeSpec = { warmupMs: 500, windowMs: 1000, rounds: 3, concurrency: 16, useToken: false };
const PROFILE_DIR = process.env["BENCH_CPU_PROF"];

const started = performance.now();
let tmp: string | undefined;

async function main(): Promise<void> {
  const deadline = setTimeout(() => void abort(`deadline of ${DEADLINE_MS / 1000} s reached`), DEADLINE_MS);
  deadline.unref();
  tmp = await mkdtemp(join(tmpdir(), "clawdbot-bench-ids-"));
  try {
    const results = await measureAll(tmp);
    printReport(results, (performance.now() - started) / 1000);
  } finally {
    clearTimeout(deadline);
    await cleanUp(3000);
  }
}

async function measureAll(dir: string): Promise<Results> {
  log(`node ${process.version}, ${cpus().length} CPUs; servers and load generators in separate processes`);
  const gwArgs = PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const [gw, echo, replyFloor, floor] = await Promise.all([
    startServer("servers/gateway.ts", "gateway", { nodeArgs: gwArgs, maxLifeMs: SERVER_LIFE_MS }),
    startServer("servers/echo.ts", "echo", { maxLifeMs: SERVER_LIFE_MS }),
    startServer("servers/echo.ts", "reply-floor", { maxLifeMs: SERVER_LIFE_MS, config: { reply: "health" } }),
    startServer("servers/handshake-floor.ts", "handshake-floor", { maxLifeMs: SERVER_LIFE_MS }),
  ]);
  const ids = join(dir, "ids.json");
  const idsTokenless = join(dir, "ids-tokenless.json");
  await pairIdentities(gw.url, IDENTITIES, ids);
  await pairIdentities(gw.url, IDENTITIES, idsTokenless);
  const seq = await attempt("health, 1 in flight", () => measureRttPair(gw, echo, 1, RTT, ids, replyFloor));
  const pipelined = await attempt("health, 64 in flight", () => measureRttPair(gw, echo, 64, RTT, ids, replyFloor));
  const client1 = await attempt("GatewayClient, 1 in flight", () => measureGatewayClient(gw, 1, CLIENT_RTT, ids));
  const client64 = await attempt("GatewayClient, 64 in flight", () => measureGatewayClient(gw, 64, CLIENT_RTT, ids));
  const handshakes = await attempt("handshakes", () => measureHandshakes(gw, ids, HANDSHAKES));
  const floorHandshakes = await attempt("handshake floor (bare ws, same exchange)", () => measureHandshakes(floor, ids, HANDSHAKES));
  const tokenless = await attempt("handshakes without device token", () => measureHandshakes(gw, idsTokenless, TOKENLESS));
  const plainOpens = await attempt("bare WebSocket open+close (echo)", () => measureHandshakes(echo, undefined, PLAIN_OPENS));
  await Promise.all([gw.child.stop(), echo.child.stop(), replyFloor.child.stop(), floor.child.stop()]);
  const idle = await measureIdleBoth(dir);
  return { seq, pipelined, client1, client64, handshakes, handshakeSpec: HANDSHAKES, floorHandshakes, tokenless, plainOpens, ...idle };
}

/** Fresh server processes, so heap grown by the throughput runs does not hide per-connection cost. */
async function measureIdleBoth(dir: string): Promise<Pick<Results, "idle" | "idleBaseline" | "idlePlan" | "idleLarge">> {
  const plan = idlePlan(IDLE_CONNECTIONS);
  const { idle, idleBaseline } = await measureIdleRun(dir, plan, "");
  const large = idlePlan(IDLE_CONNECTIONS_LARGE);
  if (large.connections < IDLE_CONNECTIONS_LARGE) {
    log(`skipped: ${IDLE_CONNECTIONS_LARGE.toLocaleString("en-US")} idle connections (open-file hard limit ${large.hard})`);
    return { idle, idleBaseline, idlePlan: plan };
  }
  const idleLarge = await measureIdleRun(dir, large, " (large)");
  return { idle, idleBaseline, idlePlan: plan, idleLarge: { ...idleLarge, plan: large } };
}

/** The gateway, then the bare ws baseline, each with `plan.connections` idle connections. */
async function measureIdleRun(dir: string, plan: IdlePlan, tag: string): Promise<Pick<Results, "idle" | "idleBaseline">> {
  const serverOpts = { nodeArgs: ["--expose-gc"], maxLifeMs: SERVER_LIFE_MS, tickIntervalMs: TICK_INTERVAL_MS, ...(plan.serverFd ? { fdLimit: plan.serverFd } : {}) };
  const loaderFd = plan.loaderFd ? { fdLimit: plan.loaderFd } : {};
  const spec = { connections: plan.connections, loaders: IDLE_LOADERS, broadcastMs: BROADCAST_MS, ...loaderFd };
  const gw = await startServer("servers/gateway.ts", `gateway-idle${tag}`, serverOpts);
  const ids = join(dir, `ids-idle${plan.connections}.json`);
  await pairIdentities(gw.url, IDENTITIES, ids);
  const idle = await attempt(`idle connections${tag}`, () => measureIdle(gw, { ...spec, handshake: true, identityFile: ids }));
  await gw.child.stop();
  const echo = await startServer("servers/echo.ts", `echo-idle${tag}`, serverOpts);
  const idleBaseline = await attempt(`idle baseline${tag}`, () => measureIdle(echo, { ...spec, handshake: false }));
  await echo.child.stop();
  return { idle, idleBaseline };
}

/** How many idle connections fit the open-file limits; raises a soft limit only up to the hard one. */
function idlePlan(wanted: number): IdlePlan {
  const { soft, hard } = fdLimits();
  const margin = 256;
  const usable = Math.min(wanted, hard - margin);
  const serverNeed = usable + margin;
  const loaderNeed = Math.ceil(usable / IDLE_LOADERS) + margin;
  return {
    connections: usable,
    soft,
    hard,
    ...(serverNeed > soft ? { serverFd: serverNeed } : {}),
    ...(loaderNeed > soft ? { loaderFd: loaderNeed } : {}),
  };
}

async function attempt<T>(label: string, fn: () => Promise<T>): Promise<Outcome<T>> {
  if (performance.now() - started > BUDGET_MS) {
    log(`skipped (time budget of ${BUDGET_MS / 1000} s used up): ${label}`);
    return { ok: false, error: "skipped: time budget used up" };
  }
  log(`measuring: ${label}`);
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    log(`  failed: ${(err as Error).message}`);
    return { ok: false, error: (err as Error).message };
  }
}

/** Stops every bench process (each by its pid) and removes the identity files. */
async function cleanUp(ms: number): Promise<void> {
  await Child.stopAll(ms);
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
}

async function abort(why: string): Promise<void> {
  log(`${why}; stopping every bench process`);
  await cleanUp(1000);
  process.exit(0);
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

main().catch((err: unknown) => abort(`aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
