// The gateway's log file: rotated by size, all files together under a cap (oldest dropped), and a
// file that cannot be written (or is removed) is reported and written again, never silently dropped.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogFile, LogRing, createLogger, parseLogLine } from "@clawdbot/sidecar/logging";
import { eventually } from "../support/wait.js";

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-logfile-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function sizes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of await readdir(dir)) if (name.startsWith("gateway.log")) out.set(name, (await stat(join(dir, name))).size);
  return out;
}

const settle = () => new Promise((r) => setTimeout(r, 50));

test("rotation by size keeps every file together under maxTotalBytes, dropping the oldest", async (t) => {
  const dir = await scratch(t);
  const path = join(dir, "logs", "gateway.log");
  const reports: string[] = [];
  const file = new LogFile({ path, maxFileBytes: 4096, maxTotalBytes: 16384, report: (m) => reports.push(m) });
  const logger = createLogger({ level: "info", pretty: false, destination: { write: () => undefined }, file });
  for (let i = 0; i < 600; i++) {
    logger.info({ i, pad: "x".repeat(40) }, `line ${i}`);
    // Rotation runs between writes; give it a turn now and then, as a running gateway would.
    if (i % 20 === 0) await settle();
  }
  await settle();
  await file.close();
  const files = await sizes(join(dir, "logs"));
  const total = [...files.values()].reduce((a, b) => a + b, 0);
  assert.ok(files.size >= 3, `rotated files exist: ${[...files.keys()].join(", ")}`);
  assert.ok(total <= 16384 + 4096, `all files together (${total} bytes) stay near the 16 KiB cap`);
  assert.ok(total >= 8192, `older lines are kept while they fit (${total} bytes)`);
  for (const [name, size] of files) assert.ok(size <= 4096 + 512, `${name} is ${size} bytes`);
  const current = (await readFile(path, "utf8")).trim().split("\n");
  assert.equal(parseLogLine(current.at(-1)!)?.message, "line 599", "the newest line is in gateway.log");
  const everything = (await Promise.all([...files.keys()].map((n) => readFile(join(dir, "logs", n), "utf8")))).join("");
  assert.ok(!everything.includes('"message":"line 0"'), "the oldest lines were dropped");
  assert.deepEqual(reports, []);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
});

test("every line is a JSON object with time, level, subsystem and message", async (t) => {
  const dir = await scratch(t);
  const path = join(dir, "gateway.log");
  const file = new LogFile({ path, maxFileBytes: 1 << 20, maxTotalBytes: 4 << 20, report: () => undefined });
  const ring = new LogRing(100, path);
  const logger = createLogger({ level: "info", pretty: false, destination: { write: () => undefined }, file, ring });
  logger.info({ port: 1 }, "listening");
  logger.child({ component: "canvas" }).warn("canvas host not started");
  logger.child({ channel: "telegram" }).error("polling failed");
  await settle();
  await file.close();
  const lines = (await readFile(path, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => [l["level"], l["subsystem"], l["message"]]),
    [
      ["info", "gateway", "listening"],
      ["warn", "canvas", "canvas host not started"],
      ["error", "channels/telegram", "polling failed"],
    ],
  );
  for (const l of lines) assert.ok(!Number.isNaN(Date.parse(String(l["time"]))), `time is ISO: ${String(l["time"])}`);
  const tail = ring.tail(undefined, 10, 1 << 20);
  assert.equal(tail.file, path);
  assert.equal(tail.size, tail.lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0));
  assert.equal(tail.cursor, tail.size);
});

test("a removed log directory is reported and the file is written again (logging never stops silently)", async (t) => {
  const dir = await scratch(t);
  const path = join(dir, "logs", "gateway.log");
  const reports: string[] = [];
  let now = 0;
  const file = new LogFile({ path, maxFileBytes: 1 << 20, maxTotalBytes: 4 << 20, report: (m) => reports.push(m), retryMs: 1000, now: () => now });
  const logger = createLogger({ level: "info", pretty: false, destination: { write: () => undefined }, file });
  logger.info("before");
  await eventually("gateway.log written", async () => (await readFile(path, "utf8").catch(() => "")).includes("before"));
  await rm(join(dir, "logs"), { recursive: true, force: true });
  now += 2000;
  logger.info("after removal");
  logger.info("and more");
  await eventually("the file is back with the new lines", async () => (await readFile(path, "utf8").catch(() => "")).includes("and more"));
  assert.ok(reports.some((r) => r.includes("was removed; writing a new one")), reports.join("\n"));
  await file.close();
});

test("a log file that cannot be opened is reported once, lines are counted as lost, and writing resumes once it can", async (t) => {
  const dir = await scratch(t);
  // A regular file where the directory should be: mkdir fails.
  const blocker = join(dir, "logs");
  await (await import("node:fs/promises")).writeFile(blocker, "not a directory");
  const path = join(blocker, "gateway.log");
  const reports: string[] = [];
  let now = 0;
  const file = new LogFile({ path, maxFileBytes: 1 << 20, maxTotalBytes: 4 << 20, report: (m) => reports.push(m), retryMs: 1000, now: () => now });
  file.write('{"message":"lost 1"}\n');
  file.write('{"message":"lost 2"}\n');
  assert.equal(reports.length, 1, reports.join("\n"));
  assert.match(reports[0]!, /cannot be written .*lines go to stdout only until it can/);
  await rm(blocker);
  now += 2000;
  file.write('{"message":"back"}\n');
  await eventually("written again", async () => (await readFile(path, "utf8").catch(() => "")).includes("back"));
  assert.match(reports.at(-1)!, /is written again \(2 line\(s\) were lost meanwhile\)/);
  await file.close();
});
