// A gateway alone in a child process, for tests that measure it from outside (RSS, descriptors,
// event-loop delay, handles) or must notice it crashing. Started by gateway-process.ts with its
// options in CLAWDBOT_TEST_GATEWAY (JSON); talks over the IPC channel:
//   → {type:"ready", port, canvasPort, pid}
//   ← {cmd:"stats"} → {type:"stats", ...GatewayStats}   (event-loop delay is reset after each read)
//   ← {cmd:"stop"}  → exits 0 after a graceful stop
// Unhandled rejections and uncaught exceptions are counted (and their first lines kept) instead of
// killing the process, so a run can report them.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Writable } from "node:stream";
import { writeHeapSnapshot } from "node:v8";
import { Gateway, createLogger, resolveConfig, type ConfigFile, type GatewayFlags } from "@clawdbot/sidecar";

export interface ChildOptions {
  file?: ConfigFile;
  flags?: GatewayFlags;
  env?: Record<string, string>;
}

export interface GatewayStats {
  rss: number;
  heapUsed: number;
  /** Memory of Buffers and other objects held outside the V8 heap (part of it: arrayBuffers). */
  external: number;
  arrayBuffers: number;
  fds: number;
  /** Active libuv resources by type (TCPSocketWrap, Timeout, …). */
  handles: Record<string, number>;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  unhandledRejections: number;
  uncaughtExceptions: number;
  /** Lines the gateway logged at level error or above (the child logs nothing below). */
  loggedErrors: number;
  errors: string[];
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.env["CLAWDBOT_TEST_GATEWAY"] ?? "{}") as ChildOptions;
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-child-"));
  const paths = { stateDir, configPath: join(stateDir, "clawdbot.json") };
  const file = opts.file ?? {};
  const config = resolveConfig(file, paths, opts.env ?? {}, { port: 0, canvasPort: 0, ...opts.flags });
  let loggedErrors = 0;
  const errors: string[] = [];
  const keep = (e: unknown) => errors.length < 20 && errors.push(e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split("\n").slice(1, 4).join("\n")}` : String(e));
  const errorLog = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const lines = chunk.toString().split("\n").filter((l) => l.length > 0);
      loggedErrors += lines.length;
      for (const l of lines) keep(`log: ${l.slice(0, 1000)}`);
      process.stderr.write(chunk, () => cb());
    },
  });
  const logger = createLogger({ level: "error", pretty: false, destination: errorLog });
  const gateway = await Gateway.create({ config, configFile: { path: paths.configPath, exists: false, hash: "", file }, logger });
  const { port } = await gateway.listen();
  let unhandledRejections = 0;
  let uncaughtExceptions = 0;
  process.on("unhandledRejection", (e) => {
    unhandledRejections++;
    keep(e);
  });
  process.on("uncaughtException", (e) => {
    uncaughtExceptions++;
    keep(e);
  });
  // The histogram records the whole time between two of its timer's turns, so an idle loop reads
  // about one resolution; the delay is what comes on top of it.
  const resolutionMs = 5;
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  const stats = async (): Promise<GatewayStats> => {
    const handles: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) handles[r] = (handles[r] ?? 0) + 1;
    const mem = process.memoryUsage();
    const out: GatewayStats = {
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      fds: (await readdir("/proc/self/fd").catch(() => [])).length,
      handles,
      eventLoopP99Ms: Math.max(0, delay.percentile(99) / 1e6 - resolutionMs),
      eventLoopMaxMs: Math.max(0, delay.max / 1e6 - resolutionMs),
      unhandledRejections,
      uncaughtExceptions,
      loggedErrors,
      errors: [...errors],
    };
    delay.reset();
    return out;
  };
  process.on("message", (m: { cmd?: string; path?: string }) => {
    if (m.cmd === "stats") void stats().then((s) => process.send?.({ type: "stats", ...s }));
    else if (m.cmd === "gc") {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ type: "gc" });
    } else if (m.cmd === "heap" && m.path) {
      writeHeapSnapshot(m.path);
      process.send?.({ type: "heap" });
    } else if (m.cmd === "stop") {
      void gateway
        .stop("test done")
        .then(() => rm(stateDir, { recursive: true, force: true }))
        .then(() => process.exit(0));
    }
  });
  process.on("disconnect", () => process.exit(0));
  process.send?.({ type: "ready", port, pid: process.pid });
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway child failed: ${String(err)}\n`);
  process.exit(1);
});
