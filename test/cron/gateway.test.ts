// Scheduled jobs through the gateway: cron.* methods and `cron` events, jobs that run agent turns
// in their own session or a named one, system events acted on by the heartbeat (`wake`), a reload
// during a run, and the scopes the methods need. The clock is injected.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { check, EVENTS, type CronEvent, type CronJob, type Result } from "@clawdbot/protocol";
import { resolveConfig } from "@clawdbot/sidecar";
import { startGateway, type StartOptions, type TestGateway } from "../support/gateway.js";
import { connectRaw, type RawClient } from "../support/raw-client.js";
import { FakeClock } from "../support/fake-clock.js";
import { call } from "../channels/harness.js";
import { refused, texts } from "../sessions/support.js";
import { eventually } from "../support/wait.js";
import { MIN } from "./support.js";

interface Running {
  gw: TestGateway;
  c: RawClient;
  clock: FakeClock;
  /** Moves time, letting each run the timer starts finish. */
  advance(ms: number): Promise<void>;
}

async function gateway(t: TestContext, opts: StartOptions = {}): Promise<Running> {
  // Near the real time: device signatures are checked against the gateway's clock.
  const clock = new FakeClock(Date.now());
  const gw = await startGateway({ now: clock.now, timers: clock, file: { heartbeat: { enabled: false } }, ...opts });
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url, { mode: "ui" });
  assert.equal(res.ok, true, JSON.stringify(res));
  t.after(() => client.close());
  const idle = async () => {
    await eventually("cron runs finish", async () => (await call<Result<"cron.status">>(client, "cron.status")).runningJobs === 0, 20_000);
  };
  return { gw, c: client, clock, advance: (ms) => clock.advance(ms, idle) };
}

function cronEvents(c: RawClient, jobId: string): CronEvent[] {
  return c.frames.filter((f) => f.type === "event" && f.event === "cron" && (f.payload as CronEvent).jobId === jobId).map((f) => f.payload as CronEvent);
}

test("cron.add/list/status/update/remove over the wire, each change a `cron` event; jobs.json on disk", async (t) => {
  const { gw, c } = await gateway(t);
  const job = await call<CronJob>(c, "cron.add", {
    name: "morning summary",
    schedule: { kind: "cron", expr: "0 8 * * *", tz: "Europe/Berlin" },
    sessionTarget: "isolated",
    wakeMode: "now",
    payload: { kind: "agentTurn", message: "Summarise my day" },
  });
  assert.equal(job.enabled, true);
  const next = job.state.nextRunAtMs!;
  assert.equal(new Date(next).toLocaleTimeString("en-GB", { timeZone: "Europe/Berlin" }), "08:00:00", "08:00 in Berlin");
  assert.ok(next > Date.now() - MIN && next <= Date.now() + 24 * 60 * MIN);
  assert.deepEqual((await call<Result<"cron.list">>(c, "cron.list")).jobs.map((j) => j.id), [job.id]);
  const status = await call<Result<"cron.status">>(c, "cron.status");
  assert.deepEqual(status, { enabled: true, storePath: join(gw.stateDir, "cron", "jobs.json"), jobs: 1, enabledJobs: 1, runningJobs: 0, nextWakeAtMs: job.state.nextRunAtMs! });
  const stored = JSON.parse(await readFile(status.storePath, "utf8")) as { version: number; jobs: CronJob[] };
  assert.deepEqual(stored.jobs[0], job);

  const off = await call<CronJob>(c, "cron.update", { id: job.id, patch: { enabled: false } });
  assert.equal(off.enabled, false);
  assert.deepEqual((await call<Result<"cron.list">>(c, "cron.list")).jobs, []);
  assert.equal((await call<Result<"cron.list">>(c, "cron.list", { includeDisabled: true })).jobs.length, 1);
  assert.equal((await call<Result<"cron.status">>(c, "cron.status")).nextWakeAtMs, null);
  assert.deepEqual(await call(c, "cron.remove", { id: job.id }), { ok: true, removed: true });
  assert.deepEqual(await call(c, "cron.remove", { id: job.id }), { ok: true, removed: false });
  await eventually("events", () => cronEvents(c, job.id).length === 3);
  assert.deepEqual(cronEvents(c, job.id).map((e) => e.action), ["added", "updated", "removed"]);
  for (const e of cronEvents(c, job.id)) assert.ok(check(EVENTS.cron, e).ok);

  await refused(c, "cron.update", { id: "missing", patch: { name: "x" } }, "NOT_FOUND", /no cron job missing/);
  await refused(c, "cron.add", { name: "x", schedule: { kind: "every", everyMs: 500 }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "m" } }, "INVALID_REQUEST", /everyMs/);
  await refused(c, "cron.add", { name: "x", schedule: { kind: "every", everyMs: MIN }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "systemEvent", text: "t" } }, "INVALID_REQUEST", /systemEvent notes the text in the main session/);
  await refused(c, "cron.add", { name: "x", schedule: { kind: "every", everyMs: MIN }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "m", deliver: true, to: "telegram:1" } }, "NOT_FOUND", /channel telegram is not configured/);
  await refused(c, "cron.runs", { id: "../../etc" }, "INVALID_REQUEST", /id/);
});

test("an agent-turn job runs in its own session (or a named one), and its run is recorded with the reply", async (t) => {
  const { c, advance } = await gateway(t);
  const isolated = await call<CronJob>(c, "cron.add", { name: "iso", schedule: { kind: "every", everyMs: 10 * MIN }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "tick" } });
  const named = await call<CronJob>(c, "cron.add", { name: "named", schedule: { kind: "every", everyMs: 10 * MIN }, sessionTarget: "session:notes", wakeMode: "now", payload: { kind: "agentTurn", message: "note it" } });
  await advance(10 * MIN);
  await advance(10 * MIN);
  assert.deepEqual(await texts(c, `cron:${isolated.id}`), ["user: tick", "assistant: echo: tick", "user: tick", "assistant: echo: tick"]);
  assert.deepEqual(await texts(c, "notes"), ["user: note it", "assistant: echo: note it", "user: note it", "assistant: echo: note it"]);
  const { entries } = await call<Result<"cron.runs">>(c, "cron.runs", { id: isolated.id });
  assert.equal(entries.length, 2);
  assert.deepEqual(entries.map((e) => [e.status, e.summary, e.sessionKey, e.deliveryStatus]), Array(2).fill(["ok", "echo: tick", `cron:${isolated.id}`, "not-requested"]));
  assert.deepEqual(cronEvents(c, named.id).map((e) => e.action), ["added", "started", "finished", "started", "finished"]);
  const finished = cronEvents(c, named.id).find((e) => e.action === "finished")!;
  assert.deepEqual([finished.status, finished.summary, finished.nextRunAtMs], ["ok", "echo: note it", named.state.nextRunAtMs! + 10 * MIN]);
  // The session list shows where the jobs ran.
  const sessions = (await call<Result<"sessions.list">>(c, "sessions.list")).sessions.map((s) => s.key);
  assert.ok(sessions.includes(`cron:${isolated.id}`) && sessions.includes("notes"));
});

test("a failing agent turn is recorded as an error with the backend's reason", async (t) => {
  const { c } = await gateway(t, { file: { heartbeat: { enabled: false }, agent: { backend: "command", command: { argv: ["sh", "-c", "echo 'no model' >&2; exit 3"] } } } });
  const job = await call<CronJob>(c, "cron.add", { name: "broken", schedule: { kind: "every", everyMs: MIN }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "x" } });
  const run = await call<Result<"cron.run">>(c, "cron.run", { id: job.id });
  assert.equal(run.entry?.status, "error");
  assert.match(run.entry?.error ?? "", /exited with 3: no model/);
  const after = (await call<Result<"cron.list">>(c, "cron.list")).jobs[0]!;
  assert.deepEqual([after.state.lastStatus, after.state.lastError], ["error", run.entry?.error]);
});

test("a system-event job with wakeMode now: the heartbeat runs at once and the agent gets the text in the main session", async (t) => {
  const { c, advance } = await gateway(t);
  await call(c, "cron.add", { name: "stretch", schedule: { kind: "every", everyMs: 30 * MIN }, sessionTarget: "main", wakeMode: "now", payload: { kind: "systemEvent", text: "Time to stretch" } });
  await advance(30 * MIN);
  await eventually("the main session got the turn", async () => (await texts(c, "main")).length === 2);
  assert.deepEqual(await texts(c, "main"), ["user: System: Time to stretch", "assistant: echo: System: Time to stretch"]);
  assert.ok(c.frames.some((f) => f.type === "event" && f.event === "heartbeat" && (f.payload as { reason?: string }).reason === "wake"));
});

test("wake: now runs a heartbeat turn at once; next-heartbeat waits for the heartbeat, or goes along with the next main turn", async (t) => {
  const { c } = await gateway(t, { file: { heartbeat: { enabled: true, intervalMs: 1000 } } });
  const now = await call<Result<"wake">>(c, "wake", { mode: "now", text: "Package arrived" });
  assert.deepEqual(now, { ok: true, mode: "now", sessionKey: "main", pending: 0 });
  await eventually("the wake turn", async () => (await texts(c, "main")).length === 2);
  assert.deepEqual((await texts(c, "main"))[0], "user: System: Package arrived");

  const later = await call<Result<"wake">>(c, "wake", { mode: "next-heartbeat", text: "Meeting moved" });
  assert.equal(later.pending, 1);
  // Heartbeats here run every second on the real clock.
  await eventually("the next heartbeat took it", async () => (await texts(c, "main")).includes("user: System: Meeting moved"), 10_000);

  // With heartbeats off, a pending note goes into the next turn of the main session as a system line.
  await call(c, "set-heartbeats", { enabled: false });
  await call(c, "wake", { mode: "next-heartbeat", text: "Battery low" });
  const { runId } = await call<{ runId: string }>(c, "chat.send", { sessionKey: "main", message: "hello", idempotencyKey: "wake-1" });
  await c.next((f) => f.type === "event" && f.event === "chat" && (f.payload as { runId?: string; state?: string }).runId === runId && (f.payload as { state?: string }).state === "final", 10_000);
  const lines = await texts(c, "main");
  assert.deepEqual(lines.slice(-3), ["system: Battery low", "user: hello", "assistant: echo: hello"]);
  await refused(c, "wake", { mode: "later", text: "x" }, "INVALID_REQUEST", /mode/);
});

test("wake with a sessionKey (as the reference CLI's --session-key sends it): that session gets the turn, the main session nothing", async (t) => {
  const { c } = await gateway(t);
  const later = await call<Result<"wake">>(c, "wake", { mode: "next-heartbeat", text: "Disk at 91%", sessionKey: "ops" });
  assert.deepEqual(later, { ok: true, mode: "next-heartbeat", sessionKey: "ops", pending: 1 });
  const now = await call<Result<"wake">>(c, "wake", { mode: "now", text: "Build red", sessionKey: "ops" });
  assert.deepEqual(now, { ok: true, mode: "now", sessionKey: "ops", pending: 0 });
  await eventually("the ops turn", async () => (await texts(c, "ops")).length === 2);
  assert.deepEqual(await texts(c, "ops"), ["user: System: Disk at 91%\nSystem: Build red", "assistant: echo: System: Disk at 91%\nSystem: Build red"]);
  assert.deepEqual(await texts(c, "main"), []);
  await refused(c, "wake", { mode: "now", text: "x", sessionKey: "two words" }, "INVALID_REQUEST", /sessionKey/);
});

test("a config reload during a run does not start it again; the run is recorded once", async (t) => {
  const slow = { heartbeat: { enabled: false }, agent: { backend: "command" as const, command: { argv: ["sh", "-c", "sleep 1; cat"] } } };
  const r = await gateway(t, { file: slow });
  const job = await call<CronJob>(r.c, "cron.add", { name: "slow", schedule: { kind: "every", everyMs: MIN }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "slowly" } });
  r.clock.advance(MIN, async () => undefined).catch(() => undefined);
  await eventually("the run started", async () => (await call<Result<"cron.status">>(r.c, "cron.status")).runningJobs === 1);
  const paths = { stateDir: r.gw.stateDir, configPath: join(r.gw.stateDir, "clawdbot.json") };
  const next = resolveConfig({ ...slow, logging: { level: "debug" } }, paths, {}, { port: 0, canvasPort: 0 });
  r.gw.gateway.applyConfig(next, { path: paths.configPath, exists: true, hash: "reloaded", file: { ...slow, logging: { level: "debug" } } });
  r.gw.gateway.applyConfig(next, { path: paths.configPath, exists: true, hash: "reloaded", file: { ...slow, logging: { level: "debug" } } });
  await eventually("the run finished", async () => (await call<Result<"cron.status">>(r.c, "cron.status")).runningJobs === 0, 20_000);
  const { entries } = await call<Result<"cron.runs">>(r.c, "cron.runs", { id: job.id });
  assert.equal(entries.length, 1);
  assert.equal(entries[0]!.summary, "slowly");
  assert.deepEqual(await texts(r.c, `cron:${job.id}`), ["user: slowly", "assistant: slowly"]);
});

test("cron write methods and wake need operator.admin; reading needs operator.read", async (t) => {
  const { gw, c } = await gateway(t);
  const job = await call<CronJob>(c, "cron.add", { name: "j", schedule: { kind: "every", everyMs: MIN }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "m" } });
  const { client } = await connectRaw(gw.url, { scopes: ["operator.read", "operator.write"] });
  t.after(() => client.close());
  assert.equal((await client.request("cron.list", {})).ok, true);
  assert.equal((await client.request("cron.status", {})).ok, true);
  assert.equal((await client.request("cron.runs", { id: job.id })).ok, true);
  for (const [m, p] of [
    ["cron.add", { name: "x", schedule: { kind: "every", everyMs: MIN }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "m" } }],
    ["cron.update", { id: job.id, patch: { name: "y" } }],
    ["cron.remove", { id: job.id }],
    ["cron.run", { id: job.id }],
    ["wake", { mode: "now", text: "x" }],
  ] as const) {
    await refused(client, m, p, "FORBIDDEN", /operator\.admin/);
  }
  assert.equal((await call<Result<"cron.list">>(c, "cron.list")).jobs[0]!.name, "j");
});
