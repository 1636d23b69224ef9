// The scheduler with an injected clock over real files: every schedule kind, time zones and
// daylight-saving days, one timer (none when nothing is scheduled), no double fire across a
// restart, a reload or a clock set back, catch-up once, no overlap with itself, and a record of
// every run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { HOUR, MIN, harness, job, runTimes } from "./support.js";
import { eventually } from "../support/wait.js";

test("every: runs on each interval from when it was added; nextRunAt advances only when a run starts; one timer at a time", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z");
  assert.equal(h.clock.armed, 0, "no jobs, no timer");
  const added = await h.cron.add(job({ kind: "every", everyMs: MIN }));
  assert.equal(added.state.nextRunAtMs, Date.parse("2026-05-01T10:01:00Z"));
  assert.equal(h.clock.armed, 1);

  await h.advance(59_000);
  assert.deepEqual(runTimes(h), []);
  assert.equal(h.cron.list(false)[0]!.state.nextRunAtMs, Date.parse("2026-05-01T10:01:00Z"), "not advanced without a run");
  await h.advance(3 * MIN);
  assert.deepEqual(runTimes(h), ["2026-05-01T10:01:00.000Z", "2026-05-01T10:02:00.000Z", "2026-05-01T10:03:00.000Z"]);
  assert.equal(h.cron.list(false)[0]!.state.nextRunAtMs, Date.parse("2026-05-01T10:04:00Z"));
  assert.equal(h.clock.armed, 1, "exactly one timer armed");

  const runs = await h.cron.history(added.id, 10);
  assert.deepEqual(runs.map((r) => [r.status, r.trigger, r.late ?? false]), Array(3).fill(["ok", "schedule", false]));
  assert.deepEqual(runs.map((r) => r.scheduledAtMs), runs.map((r) => r.runAtMs), "each ran at its due time");
  assert.deepEqual(runs.map((r) => r.nextRunAtMs), [Date.parse("2026-05-01T10:02:00Z"), Date.parse("2026-05-01T10:03:00Z"), Date.parse("2026-05-01T10:04:00Z")]);
  const state = h.cron.list(false)[0]!.state;
  assert.deepEqual([state.lastStatus, state.lastRunAtMs, state.runningAtMs], ["ok", Date.parse("2026-05-01T10:03:00Z"), undefined]);
  assert.deepEqual(h.events.filter((e) => e.jobId === added.id).map((e) => e.action).slice(0, 3), ["added", "started", "finished"]);

  // Stored where promised, private, and an anchor moves the grid.
  const file = join(h.dir, "cron", "jobs.json");
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((JSON.parse(await readFile(file, "utf8")) as { jobs: unknown[] }).jobs.length, 1);
  assert.equal((await stat(join(h.dir, "cron", "runs", `${added.id}.jsonl`))).mode & 0o777, 0o600);
  const anchored = await h.cron.add(job({ kind: "every", everyMs: 10 * MIN, anchorMs: Date.parse("2026-05-01T00:05:00Z") }));
  assert.equal(anchored.state.nextRunAtMs, Date.parse("2026-05-01T10:05:00Z"));

  // A removed job stops: no timer is left for it.
  await h.cron.remove(added.id);
  await h.cron.remove(anchored.id);
  assert.equal(h.clock.armed, 0);
  await h.advance(HOUR);
  assert.equal(runTimes(h).length, 3);
  assert.equal((await h.cron.history(added.id, 10)).length, 3, "history of a removed job stays readable");
});

test("at: runs once at its instant, then is disabled (or removed with deleteAfterRun); an instant in the past is refused", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z");
  const at = Date.parse("2026-05-01T12:30:00Z");
  const once = await h.cron.add(job({ kind: "at", atMs: at }));
  const gone = await h.cron.add(job({ kind: "at", atMs: at }, { deleteAfterRun: true }));
  await h.advance(5 * HOUR);
  assert.deepEqual(runTimes(h), ["2026-05-01T12:30:00.000Z", "2026-05-01T12:30:00.000Z"]);
  const kept = h.cron.list(true);
  assert.deepEqual(kept.map((j) => [j.id, j.enabled, j.state.nextRunAtMs, j.state.lastStatus]), [[once.id, false, undefined, "ok"]]);
  assert.equal(h.cron.list(false).length, 0, "disabled jobs are listed only when asked");
  assert.equal((await h.cron.history(gone.id, 5)).length, 1);
  assert.ok(h.events.some((e) => e.jobId === gone.id && e.action === "removed"));
  assert.equal(h.clock.armed, 0);
  await assert.rejects(h.cron.add(job({ kind: "at", atMs: Date.parse("2026-05-01T09:00:00Z") })), /schedule\.atMs: .* is already past/);
});

test("cron expression in a time zone: 08:00 Berlin is 07:00 UTC in winter and 06:00 UTC in summer", async (t) => {
  const h = await harness(t, "2026-03-27T00:00:00Z");
  const daily = await h.cron.add(job({ kind: "cron", expr: "0 8 * * *", tz: "Europe/Berlin" }));
  await h.advance(4 * 24 * HOUR);
  assert.deepEqual(runTimes(h, daily.id), ["2026-03-27T07:00:00.000Z", "2026-03-28T07:00:00.000Z", "2026-03-29T06:00:00.000Z", "2026-03-30T06:00:00.000Z"]);
});

test("DST: a 02:30 Berlin job runs once on the spring-forward day (02:30 does not exist) and once on the fall-back day (it exists twice)", async (t) => {
  const h = await harness(t, "2026-03-28T12:00:00Z");
  const j = await h.cron.add(job({ kind: "cron", expr: "30 2 * * *", tz: "Europe/Berlin" }));
  await h.advance(2 * 24 * HOUR);
  const berlinDay = (iso: string) => new Date(iso).toLocaleDateString("sv-SE", { timeZone: "Europe/Berlin" });
  const spring = runTimes(h, j.id);
  assert.deepEqual(spring, ["2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"], "03:00 CEST on the 29th (the first time after the gap), then 02:30 CEST");
  assert.equal(spring.filter((s) => berlinDay(s) === "2026-03-29").length, 1);

  const fall = await harness(t, "2026-10-24T12:00:00Z");
  const k = await fall.cron.add(job({ kind: "cron", expr: "30 2 * * *", tz: "Europe/Berlin" }));
  await fall.advance(2 * 24 * HOUR);
  const runs = runTimes(fall, k.id);
  assert.deepEqual(runs, ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"], "02:30 CEST once on the 25th, then 02:30 CET");
  assert.equal(runs.filter((s) => berlinDay(s) === "2026-10-25").length, 1);
});

test("a restart while a job is due runs it once at start-up, marked late — not once per missed slot", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z");
  const hourly = await h.cron.add(job({ kind: "every", everyMs: HOUR }));
  await h.cron.stop();
  // Three hours pass while the gateway is down.
  h.clock.jumpWall(3 * HOUR + 5 * MIN);
  const after = await h.reopen();
  await after.advance(0);
  assert.deepEqual(runTimes(after, hourly.id), ["2026-05-01T13:05:00.000Z"]);
  const [entry] = await after.cron.history(hourly.id, 10);
  assert.deepEqual([entry!.trigger, entry!.late, entry!.scheduledAtMs], ["catch-up", true, Date.parse("2026-05-01T11:00:00Z")]);
  assert.equal(after.cron.list(false)[0]!.state.nextRunAtMs, Date.parse("2026-05-01T14:00:00Z"));
  assert.ok(after.events.some((e) => e.action === "finished" && e.late === true));
  // A second restart right away runs nothing again.
  const again = await after.reopen();
  await again.advance(MIN);
  assert.equal(runTimes(again, hourly.id).length, 1);
  await again.advance(HOUR);
  assert.equal(runTimes(again, hourly.id).length, 2);
});

test("catchUp skip: a slot missed while down is recorded as skipped and the job waits for its next time", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z");
  const j = await h.cron.add(job({ kind: "every", everyMs: HOUR }, { catchUp: "skip" }));
  await h.cron.stop();
  h.clock.jumpWall(2 * HOUR + MIN);
  const after = await h.reopen();
  await after.advance(MIN);
  assert.deepEqual(runTimes(after, j.id), []);
  const [entry] = await after.cron.history(j.id, 10);
  assert.deepEqual([entry!.status, entry!.trigger], ["skipped", "catch-up"]);
  assert.equal(after.cron.list(false)[0]!.state.nextRunAtMs, Date.parse("2026-05-01T13:00:00Z"));
});

test("a run cut off by a crash is recorded as interrupted and not run again for that due time", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z");
  const j = await h.cron.add(job({ kind: "every", everyMs: HOUR }));
  // The run never ends in this process: it dies during the run.
  h.behaviour = () => new Promise(() => undefined);
  void h.clock.advance(HOUR, async () => undefined);
  await new Promise((r) => setTimeout(r, 50));
  // The process dies here: the store says the run started; nothing recorded its end.
  const stored = JSON.parse(await readFile(join(h.dir, "cron", "jobs.json"), "utf8")) as { jobs: { state: { runningAtMs?: number; nextRunAtMs?: number } }[] };
  assert.equal(stored.jobs[0]!.state.runningAtMs, Date.parse("2026-05-01T11:00:00Z"));
  assert.equal(stored.jobs[0]!.state.nextRunAtMs, Date.parse("2026-05-01T12:00:00Z"), "the next due time is on disk before the run");
  // A fresh scheduler over the same files, as after a restart.
  const restarted = await h.reopen();
  restarted.behaviour = async () => ({ status: "ok" });
  await restarted.advance(MIN);
  assert.equal(runTimes(restarted, j.id).length, 1, "the 11:00 run is not repeated");
  const entries = await restarted.cron.history(j.id, 10);
  assert.ok(entries.some((e) => e.status === "error" && /interrupted/.test(e.error ?? "")), JSON.stringify(entries));
  assert.equal(restarted.cron.list(false)[0]!.state.runningAtMs, undefined);
});

test("a reload (SIGHUP) while a job runs does not start it again; the run finishes and is recorded once", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z");
  const j = await h.cron.add(job({ kind: "every", everyMs: 10 * MIN }));
  let release!: () => void;
  h.behaviour = () => new Promise((r) => (release = () => r({ status: "ok", summary: "slow" })));
  await h.clock.advance(10 * MIN, async () => new Promise((r) => setImmediate(r)));
  await eventually("the run started", () => h.started.length === 1);
  for (let i = 0; i < 3; i++) h.cron.reconfigure();
  await h.clock.advance(MIN, async () => new Promise((r) => setImmediate(r)));
  assert.equal(h.started.length, 1);
  h.behaviour = async () => ({ status: "ok" });
  release();
  await h.settle();
  const entries = await h.cron.history(j.id, 10);
  assert.equal(entries.length, 1);
  assert.equal(entries[0]!.summary, "slow");
  await h.advanceTo(Date.parse("2026-05-01T10:25:00Z"));
  assert.deepEqual(runTimes(h, j.id), ["2026-05-01T10:10:00.000Z", "2026-05-01T10:20:00.000Z"]);
});

test("a run longer than its interval never overlaps itself", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z");
  const j = await h.cron.add(job({ kind: "every", everyMs: 1000 }));
  const spans: [number, number][] = [];
  // Each run lasts 2.5 s of (fake) time: it ends when the test moves the clock that far.
  const ends: (() => void)[] = [];
  h.behaviour = (_job, s) =>
    new Promise((r) =>
      ends.push(() => {
        spans.push([s.at, h.clock.now()]);
        r({ status: "ok" });
      }),
    );
  // Settled: a run is executing (waiting for its end), or nothing runs at all.
  const stable = () => eventually("the scheduler settles", () => ends.length > 0 || h.cron.status().runningJobs === 0);
  const step = async () => {
    await h.clock.advance(500, stable);
    if (ends.length > 0 && h.clock.now() - h.started.at(-1)!.at >= 2500) ends.shift()!();
    await stable();
  };
  for (let i = 0; i < 40; i++) await step();
  assert.ok(spans.length >= 5, `only ${spans.length} runs`);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1], `run ${i} started before run ${i - 1} ended: ${JSON.stringify(spans)}`);
  assert.ok((await h.cron.history(j.id, 100)).every((e) => e.status === "ok"));
});

test("the wall clock set back an hour does not run a due time again; set forward, a due job runs once within a minute", async (t) => {
  const h = await harness(t, "2026-05-01T09:59:00Z");
  const j = await h.cron.add(job({ kind: "cron", expr: "0 * * * *", tz: "UTC" }));
  await h.advance(2 * MIN);
  assert.deepEqual(runTimes(h, j.id), ["2026-05-01T10:00:00.000Z"]);
  h.clock.jumpWall(-HOUR);
  // 09:01 again; the clock passes 10:00 a second time.
  await h.advance(HOUR + 5 * MIN);
  assert.deepEqual(runTimes(h, j.id), ["2026-05-01T10:00:00.000Z"], "10:00 did not run twice");
  await h.advanceTo(Date.parse("2026-05-01T11:00:30Z"));
  assert.deepEqual(runTimes(h, j.id), ["2026-05-01T10:00:00.000Z", "2026-05-01T11:00:00.000Z"]);
  // The timer never sleeps past a minute, so a jump forward is noticed: one run, not one per hour skipped.
  h.clock.jumpWall(3 * HOUR);
  await h.advance(MIN);
  assert.equal(runTimes(h, j.id).length, 3);
  assert.ok(h.clock.delays.every((d) => d <= MIN), `a timer slept longer than a minute: ${Math.max(...h.clock.delays)}`);
});

test("disabled jobs keep their history and do not run; enabling computes the next time from now", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z");
  const j = await h.cron.add(job({ kind: "every", everyMs: 10 * MIN }));
  await h.advance(10 * MIN);
  const off = await h.cron.update(j.id, { enabled: false });
  assert.deepEqual([off.enabled, off.state.nextRunAtMs], [false, undefined]);
  assert.equal(h.clock.armed, 0);
  await h.advance(HOUR);
  assert.equal(runTimes(h, j.id).length, 1);
  assert.equal((await h.cron.history(j.id, 10)).length, 1, "history kept");
  const on = await h.cron.update(j.id, { enabled: true });
  assert.equal(on.state.nextRunAtMs, Date.parse("2026-05-01T11:20:00Z"));
  const moved = await h.cron.update(j.id, { schedule: { kind: "cron", expr: "0 12 * * *", tz: "UTC" }, name: "noon" });
  assert.deepEqual([moved.name, moved.state.nextRunAtMs, moved.payload], ["noon", Date.parse("2026-05-01T12:00:00Z"), { kind: "agentTurn", message: "ping" }]);
  const repayload = await h.cron.update(j.id, { payload: { kind: "agentTurn", message: "pong", deliver: false } });
  assert.deepEqual(repayload.payload, { kind: "agentTurn", message: "pong", deliver: false });
  await assert.rejects(h.cron.update("nope", { name: "x" }), /no cron job nope/);
});

test("cron.run: force runs now without moving the schedule; due only when due; never twice at once", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z");
  const j = await h.cron.add(job({ kind: "every", everyMs: HOUR }));
  const forced = await h.cron.run(j.id, "force");
  assert.equal(forced.ran, true);
  assert.equal(forced.entry?.trigger, "manual");
  assert.equal(h.cron.list(false)[0]!.state.nextRunAtMs, Date.parse("2026-05-01T11:00:00Z"));
  assert.deepEqual(await h.cron.run(j.id, "due"), { ok: true, ran: false, reason: "not-due" });
  let release!: () => void;
  h.behaviour = () => new Promise((r) => (release = () => r({ status: "error", error: "boom" })));
  const running = h.cron.run(j.id, "force");
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await h.cron.run(j.id, "force"), { ok: true, ran: false, reason: "already-running" });
  release();
  const done = await running;
  assert.deepEqual([done.entry?.status, done.entry?.error], ["error", "boom"]);
  assert.deepEqual([h.cron.list(false)[0]!.state.lastStatus, h.cron.list(false)[0]!.state.lastError], ["error", "boom"]);
});

test("schedules that cannot run are refused, naming the field", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z");
  await assert.rejects(h.cron.add(job({ kind: "cron", expr: "61 * * * *" })), /schedule\.expr: "61 \* \* \* \*" is not a cron expression/);
  await assert.rejects(h.cron.add(job({ kind: "cron", expr: "0 8 * * *", tz: "Mars/Olympus" })), /schedule\.tz: "Mars\/Olympus" is not an IANA time zone/);
  await assert.rejects(h.cron.add(job({ kind: "cron", expr: "0 0 30 2 *" })), /never matches/);
  assert.equal(h.cron.list(true).length, 0);
});

test("the run history is capped per job, oldest dropped", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z", { maxRunsPerJob: 5 });
  const j = await h.cron.add(job({ kind: "every", everyMs: 1000 }));
  await h.advance(12_000);
  const entries = await h.cron.history(j.id, 100);
  assert.equal(runTimes(h, j.id).length, 12);
  assert.equal(entries.length, 5);
  assert.deepEqual(entries.map((e) => new Date(e.runAtMs).toISOString()), runTimes(h, j.id).slice(-5));
  const lines = (await readFile(join(h.dir, "cron", "runs", `${j.id}.jsonl`), "utf8")).trim().split("\n");
  assert.equal(lines.length, 5);
});

test("with the scheduler turned off in the config nothing runs and no timer is armed; turned on, a due job runs once", async (t) => {
  const h = await harness(t, "2026-05-01T10:00:00Z", { enabled: false });
  const j = await h.cron.add(job({ kind: "every", everyMs: MIN }));
  assert.equal(h.clock.armed, 0);
  await h.advance(10 * MIN);
  assert.equal(runTimes(h).length, 0);
  assert.equal(h.cron.status().enabled, false);
  const on = await h.reopen({ enabled: true });
  await on.advance(0);
  assert.deepEqual(runTimes(on, j.id), ["2026-05-01T10:10:00.000Z"]);
  assert.equal(on.cron.status().nextWakeAtMs, Date.parse("2026-05-01T10:11:00Z"));
});
