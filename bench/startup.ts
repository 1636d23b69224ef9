/**
 * Cold starts: spawn → `connect.challenge` of `clawdbot gateway` (embedded defaults, no channels),
 * idle RSS after start-up (defaults, and with Telegram configured against the fake Bot API),
 * `clawdbot health` and `clawdbot --version` end to end. The floors are measured in the same run:
 * a bare `node -e 0` for wall time and CPU, a bare `ws` server for idle memory. Each start is a
 * fresh process on a fresh state dir; the figures are min/median/max of RUNS starts. Wall time on a
 * shared machine moves with the load, so each row also gives the CPU time the process itself used.
 *
 * Standalone: `node --import tsx bench/startup.ts [--runs 10] [--idle-ms 5000]` (after a build).
 * From bench/run.ts-style callers: `runStartupBench()` returns the figures without printing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import { FakeTelegram } from "../test/fakes/telegram/server.js";
import { REPO_ROOT } from "./lib/child.js";
import { readCpuMs, readReapedChildrenCpuMs, readRssBytes } from "./lib/proc.js";
import { fmtMs, renderTable } from "./lib/table.js";

const CLI = join(REPO_ROOT, "cli", "bin", "run.js");
const START_TIMEOUT_MS = 30_000;

/** The figures of issue targets this bench covers (floors; lower is better). */
export const STARTUP_TARGETS = {
  gatewayStartMs: 300,
  idleRssMb: 60,
  idleRssTelegramMb: 75,
  healthMs: 300,
  /** `clawdbot --version` / bare `node -e 0`, same run. */
  versionRatio: 1.3,
} as const;

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface StartupFigures {
  runs: number;
  idleMs: number;
  nodeBare: { wall: Spread; cpu: Spread };
  gateway: { wall: Spread; cpu: Spread; rssAtChallengeMb: Spread };
  version: { wall: Spread; cpu: Spread };
  health: { wall: Spread; cpu: Spread };
  idleRssMb: { bareWs: number; gateway: number; telegram: number };
  /** RSS SETTLED_MS after start-up, once V8's memory reducer has had its first run (informative). */
  settledRssMb: { bareWs: number; gateway: number };
}

export interface StartupOptions {
  runs?: number;
  idleMs?: number;
}

/** Runs every measurement; resolves with the figures. */
export async function runStartupBench(opts: StartupOptions = {}): Promise<StartupFigures> {
  const runs = opts.runs ?? 10;
  const idleMs = opts.idleMs ?? 5000;
  const nodeWall: number[] = [];
  const nodeCpu: number[] = [];
  const gwWall: number[] = [];
  const gwCpu: number[] = [];
  const gwRss: number[] = [];
  const verWall: number[] = [];
  const verCpu: number[] = [];
  // Interleaved, so a burst of load on the machine hits every row alike.
  for (let i = 0; i < runs; i++) {
    const bare = await timeExit(process.execPath, ["-e", "0"], process.env);
    nodeWall.push(bare.wallMs);
    nodeCpu.push(bare.cpuMs);
    const version = await timeExit(process.execPath, [CLI, "--version"], process.env);
    verWall.push(version.wallMs);
    verCpu.push(version.cpuMs);
    const gw = await coldStart();
    gwWall.push(gw.wallMs);
    gwCpu.push(gw.cpuMs);
    gwRss.push(gw.rssMb);
  }
  const health = await measureHealth(runs);
  const bareWs = await idleRss(bareWsServer(), idleMs, SETTLED_MS);
  const gateway = await idleRss(gatewayProcess({}), idleMs, SETTLED_MS);
  const idleRssMb = { bareWs: bareWs.idle, gateway: gateway.idle, telegram: await idleTelegram(idleMs) };
  const settledRssMb = { bareWs: bareWs.settled, gateway: gateway.settled };
  return {
    runs,
    idleMs,
    nodeBare: { wall: spread(nodeWall), cpu: spread(nodeCpu) },
    gateway: { wall: spread(gwWall), cpu: spread(gwCpu), rssAtChallengeMb: spread(gwRss) },
    version: { wall: spread(verWall), cpu: spread(verCpu) },
    health,
    idleRssMb,
    settledRssMb,
  };
}

interface Timed {
  wallMs: number;
  cpuMs: number;
}

/** Wall time and the child's own CPU (from this process's reaped-children counters). */
async function timeExit(cmd: string, args: string[], env: NodeJS.ProcessEnv, expectCode = 0): Promise<Timed> {
  const cpuBefore = readReapedChildrenCpuMs();
  const t0 = performance.now();
  const proc = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once("exit", resolve));
  const wallMs = performance.now() - t0;
  if (code !== expectCode) throw new Error(`${args.join(" ")} exited ${code}: ${out.trim()}`);
  return { wallMs, cpuMs: readReapedChildrenCpuMs() - cpuBefore };
}


/** A server process on a fresh state dir, announcing its URL on stdout. */
interface GatewayProc {
  proc: ChildProcess;
  dir: string;
  url: Promise<string>;
}

/** A fresh state dir whose clawdbot.json binds ephemeral ports. */
async function stateDir(config: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-bench-start-"));
  await writeFile(join(dir, "clawdbot.json"), JSON.stringify({ gateway: { port: 0, canvasPort: 0 }, ...config }));
  return dir;
}

/** `clawdbot gateway` on that state dir. */
function spawnGateway(dir: string): GatewayProc {
  const proc = spawn(process.execPath, [CLI, "gateway"], {
    env: { ...process.env, CLAWDBOT_STATE_DIR: dir, CLAWDBOT_CONFIG_PATH: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { proc, dir, url: listeningUrl(proc) };
}

async function gatewayProcess(config: Record<string, unknown>): Promise<GatewayProc> {
  return spawnGateway(await stateDir(config));
}

function listeningUrl(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = "";
    proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => reject(new Error(`gateway did not listen within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      const m = /listening on (\S+)/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited ${code} before listening: ${err.trim()}`));
    });
  });
}

/** Resolves when the gateway's first frame (`connect.challenge`) arrives on a fresh socket. */
function firstChallenge(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("message", (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { event?: string };
      ws.terminate();
      if (frame.event === "connect.challenge") resolve();
      else reject(new Error(`first frame was not connect.challenge: ${data.toString().slice(0, 200)}`));
    });
    ws.once("error", reject);
  });
}

async function stopGateway(g: GatewayProc): Promise<void> {
  if (g.proc.exitCode === null) {
    const exited = new Promise((resolve) => g.proc.once("exit", resolve));
    g.proc.kill("SIGTERM");
    await exited;
  }
  await rm(g.dir, { recursive: true, force: true });
}

/** Spawn → listening → first `connect.challenge`; CPU and RSS read at that moment. */
async function coldStart(): Promise<Timed & { rssMb: number }> {
  const dir = await stateDir({});
  const t0 = performance.now();
  const g = spawnGateway(dir);
  try {
    await firstChallenge(await g.url);
    const wallMs = performance.now() - t0;
    const pid = g.proc.pid!;
    return { wallMs, cpuMs: readCpuMs(pid) ?? NaN, rssMb: (readRssBytes(pid) ?? NaN) / 1048576 };
  } finally {
    await stopGateway(g);
  }
}

/** `clawdbot health` end to end against one running gateway (after one unmeasured call that pairs the CLI). */
async function measureHealth(runs: number): Promise<{ wall: Spread; cpu: Spread }> {
  const g = await gatewayProcess({});
  try {
    const url = await g.url;
    const env = { ...process.env, CLAWDBOT_STATE_DIR: g.dir, CLAWDBOT_GATEWAY_URL: url, CLAWDBOT_CONFIG_PATH: "" };
    await timeExit(process.execPath, [CLI, "health"], env);
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = await timeExit(process.execPath, [CLI, "health"], env);
      wall.push(t.wallMs);
      cpu.push(t.cpuMs);
    }
    return { wall: spread(wall), cpu: spread(cpu) };
  } finally {
    await stopGateway(g);
  }
}

/** A bare `ws` server on an ephemeral port: the memory floor of a Node WebSocket daemon. */
async function bareWsServer(): Promise<GatewayProc> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-bench-start-"));
  const src =
    'import { WebSocketServer } from "ws";' +
    'const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });' +
    'wss.on("connection", (ws) => ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: "n", ts: Date.now() } })));' +
    'wss.on("listening", () => console.log(`listening on ws://127.0.0.1:${wss.address().port}`));';
  const proc = spawn(process.execPath, ["--input-type=module", "-e", src], { cwd: join(REPO_ROOT, "sidecar"), stdio: ["ignore", "pipe", "pipe"] });
  return { proc, dir, url: listeningUrl(proc) };
}

/**
 * V8 returns the young generation's pages and other start-up memory with its memory reducer, whose
 * first run comes about 8–10 s after a process starts; this long after start-up it has run.
 */
const SETTLED_MS = 15_000;

/** VmRSS (MB) of a server `idleMs` after its first `connect.challenge`, and again `settledMs` after it. */
async function idleRss(starting: Promise<GatewayProc>, idleMs: number, settledMs: number): Promise<{ idle: number; settled: number }> {
  const g = await starting;
  try {
    await firstChallenge(await g.url);
    await new Promise((r) => setTimeout(r, idleMs));
    const idle = (readRssBytes(g.proc.pid!) ?? NaN) / 1048576;
    await new Promise((r) => setTimeout(r, settledMs - idleMs));
    return { idle, settled: (readRssBytes(g.proc.pid!) ?? NaN) / 1048576 };
  } finally {
    await stopGateway(g);
  }
}

/** Idle RSS with the Telegram channel polling the fake Bot API (grammY loaded and running). */
async function idleTelegram(idleMs: number): Promise<number> {
  const fake = await FakeTelegram.start();
  try {
    const telegram = { botToken: fake.token, apiRoot: fake.apiRoot, pollTimeoutSec: 1 };
    const polls = fake.calls.length;
    const g = await gatewayProcess({ channels: { telegram } });
    try {
      await firstChallenge(await g.url);
      await fake.waitForCall((c) => c.seq > polls && c.method === "getUpdates", START_TIMEOUT_MS, "first poll of the gateway");
      await new Promise((r) => setTimeout(r, idleMs));
      return (readRssBytes(g.proc.pid!) ?? NaN) / 1048576;
    } finally {
      await stopGateway(g);
    }
  } finally {
    await fake.stop();
  }
}

function spread(xs: readonly number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0] ?? NaN, median, max: s[s.length - 1] ?? NaN };
}

/** The figures as a report: every row beside its floor from the same run, and the target. */
export function formatStartup(f: StartupFigures): string {
  const ms = (s: Spread) => `${fmtMs(s.min)} / ${fmtMs(s.median)} / ${fmtMs(s.max)}`;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
  const floorWall = f.nodeBare.wall.median;
  const floorCpu = f.nodeBare.cpu.median;
  const row = (label: string, t: { wall: Spread; cpu: Spread }, target: string, pass: boolean) => [
    label,
    ms(t.wall),
    ratio(t.wall.median, floorWall),
    fmtMs(t.cpu.median),
    ratio(t.cpu.median, floorCpu),
    target,
    verdict(pass),
  ];
  const rows = [
    ["bare node -e 0 (floor)", ms(f.nodeBare.wall), "1.00×", fmtMs(floorCpu), "1.00×", "", ""],
    row("gateway spawn → connect.challenge", f.gateway, `< ${STARTUP_TARGETS.gatewayStartMs} ms`, f.gateway.wall.median < STARTUP_TARGETS.gatewayStartMs),
    row("clawdbot health", f.health, `< ${STARTUP_TARGETS.healthMs} ms`, f.health.wall.median < STARTUP_TARGETS.healthMs),
    row("clawdbot --version", f.version, `≤ ${STARTUP_TARGETS.versionRatio}× floor`, f.version.wall.median / floorWall <= STARTUP_TARGETS.versionRatio),
  ];
  const wallTable = renderTable(
    [
      { title: `cold start (${f.runs} runs)`, align: "left" },
      { title: "wall min / median / max", align: "right" },
      { title: "÷ floor", align: "right" },
      { title: "CPU median", align: "right" },
      { title: "÷ floor", align: "right" },
      { title: "target", align: "left" },
      { title: "", align: "left" },
    ],
    rows,
  );
  const mb = (x: number) => `${x.toFixed(1)} MB`;
  const memTable = renderTable(
    [
      { title: `RSS ${f.idleMs / 1000} s after start-up`, align: "left" },
      { title: "RSS", align: "right" },
      { title: "÷ bare ws", align: "right" },
      { title: "target", align: "left" },
      { title: "", align: "left" },
    ],
    [
      ["bare ws server (floor)", mb(f.idleRssMb.bareWs), "1.00×", "", ""],
      ["gateway, defaults", mb(f.idleRssMb.gateway), ratio(f.idleRssMb.gateway, f.idleRssMb.bareWs), `< ${STARTUP_TARGETS.idleRssMb} MB`, verdict(f.idleRssMb.gateway < STARTUP_TARGETS.idleRssMb)],
      [
        "gateway, Telegram configured",
        mb(f.idleRssMb.telegram),
        ratio(f.idleRssMb.telegram, f.idleRssMb.bareWs),
        `< ${STARTUP_TARGETS.idleRssTelegramMb} MB`,
        verdict(f.idleRssMb.telegram < STARTUP_TARGETS.idleRssTelegramMb),
      ],
      ["gateway at its first challenge (median)", mb(f.gateway.rssAtChallengeMb.median), ratio(f.gateway.rssAtChallengeMb.median, f.idleRssMb.bareWs), "", ""],
      [`bare ws server, ${SETTLED_MS / 1000} s after start-up`, mb(f.settledRssMb.bareWs), "1.00×", "", ""],
      [`gateway, defaults, ${SETTLED_MS / 1000} s after start-up`, mb(f.settledRssMb.gateway), ratio(f.settledRssMb.gateway, f.settledRssMb.bareWs), "", ""],
    ],
  );
  return `Start-up (node ${process.version})\n${wallTable}\n\n${memTable}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string" }, "idle-ms": { type: "string" } } });
  const figures = await runStartupBench({
    ...(values.runs ? { runs: Number(values.runs) } : {}),
    ...(values["idle-ms"] ? { idleMs: Number(values["idle-ms"]) } : {}),
  });
  process.stdout.write(formatStartup(figures));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: startup: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(0);
  });
}
