// `clawdbot cron list|add|edit|rm|run|runs|status` as a user runs them, human and --json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { METHODS, check, formatIssues, type CronJob, type MethodName, type Result } from "@clawdbot/protocol";
import { cli, json, show } from "../agent/cli.js";
import { gatewayFor } from "../agent/wire.js";

function valid<T>(method: MethodName, out: unknown): T {
  const r = check(METHODS[method].result, out);
  assert.ok(r.ok, `${method}: ${r.ok ? "" : formatIssues(r.issues)}`);
  return out as T;
}

test("cron add (each schedule form), list, edit, run, runs, status, rm", async (t) => {
  const gw = await gatewayFor(t, { file: { heartbeat: { enabled: false } } });
  const run = (args: string[]) => cli(gw, ["cron", ...args]);

  const daily = valid<CronJob>("cron.add", json(await run(["add", "--cron", "0 8 * * *", "--tz", "Europe/Berlin", "--message", "Summarise my day", "--name", "morning", "--json"])));
  assert.deepEqual(daily.schedule, { kind: "cron", expr: "0 8 * * *", tz: "Europe/Berlin" });
  assert.equal(daily.name, "morning");
  const every = valid<CronJob>("cron.add", json(await run(["add", "--every", "2h", "--message", "Anything new?", "--session", "main", "--json"])));
  assert.deepEqual([every.schedule, every.sessionTarget, every.name], [{ kind: "every", everyMs: 7_200_000 }, "main", "Anything new?"]);
  const at = valid<CronJob>("cron.add", json(await run(["add", "--at", "2099-12-24T18:00:00Z", "--system-event", "Merry Christmas", "--wake", "next-heartbeat", "--json"])));
  assert.deepEqual([at.schedule, at.payload, at.sessionTarget, at.wakeMode], [{ kind: "at", atMs: Date.parse("2099-12-24T18:00:00Z") }, { kind: "systemEvent", text: "Merry Christmas" }, "main", "next-heartbeat"]);
  const named = valid<CronJob>("cron.add", json(await run(["add", "--every", "30m", "--message", "notes", "--session", "agent:main:telegram:dm:7", "--catch-up", "skip", "--json"])));
  assert.deepEqual([named.sessionTarget, named.catchUp], ["session:agent:main:telegram:dm:7", "skip"]);

  const human = await run(["list"]);
  assert.equal(human.code, 0, show(human));
  assert.match(human.stdout, new RegExp(`^${daily.id} {2}morning\\n {2}cron 0 8 \\* \\* \\* \\(Europe/Berlin\\); "Summarise my day" in isolated\\n {2}next `, "m"));
  assert.match(human.stdout, /system event "Merry Christmas" in main/);
  assert.equal(valid<Result<"cron.list">>("cron.list", json(await run(["list", "--json"]))).jobs.length, 4);

  const edited = valid<CronJob>("cron.update", json(await run(["edit", every.id, "--every", "4h", "--message", "Still nothing?", "--json"])));
  assert.deepEqual([edited.schedule, edited.payload], [{ kind: "every", everyMs: 14_400_000 }, { kind: "agentTurn", message: "Still nothing?" }]);
  const disabled = await run(["edit", every.id, "--disable"]);
  assert.match(disabled.stdout, /\[disabled\]/);
  assert.equal(valid<Result<"cron.list">>("cron.list", json(await run(["list", "--json"]))).jobs.length, 3);
  assert.equal(valid<Result<"cron.list">>("cron.list", json(await run(["list", "--all", "--json"]))).jobs.length, 4);

  const ran = valid<Result<"cron.run">>("cron.run", json(await run(["run", daily.id, "--json"])));
  assert.deepEqual([ran.ran, ran.entry?.status, ran.entry?.summary], [true, "ok", "echo: Summarise my day"]);
  const notDue = await run(["run", daily.id, "--due"]);
  assert.equal(notDue.stdout, "not run: not-due\n");
  const runs = await run(["runs", daily.id]);
  assert.match(runs.stdout, /^\S+ {2}ok \(manual, \d+ ms\) {2}echo: Summarise my day$/m);
  assert.equal(valid<Result<"cron.runs">>("cron.runs", json(await run(["runs", daily.id, "--json"]))).entries.length, 1);

  const status = valid<Result<"cron.status">>("cron.status", json(await run(["status", "--json"])));
  assert.deepEqual([status.enabled, status.jobs, status.enabledJobs], [true, 4, 3]);
  assert.match((await run(["status"])).stdout, /^scheduler running; 4 jobs \(3 enabled, 0 running\); next wake /);

  const rm = await run(["rm", named.id]);
  assert.equal(rm.stdout, `removed ${named.id}\n`);
  assert.equal((await run(["rm", named.id])).stdout, `no job ${named.id}; nothing removed\n`);
});

test("cron add and edit refuse what cannot be scheduled, with the flag to fix", async (t) => {
  const gw = await gatewayFor(t);
  const run = (args: string[]) => cli(gw, ["cron", ...args]);
  const cases: [string[], number, RegExp][] = [
    [["add", "--message", "x"], 2, /say when: --cron/],
    [["add", "--every", "1h"], 2, /say what: --message/],
    [["add", "--every", "soon", "--message", "x"], 2, /--every soon: not a duration/],
    [["add", "--every", "500ms", "--message", "x"], 2, /the shortest interval is 1s/],
    [["add", "--at", "someday", "--message", "x"], 2, /--at someday: not a date and time/],
    [["add", "--every", "1h", "--message", "x", "--deliver"], 2, /--deliver needs --to/],
    [["add", "--cron", "0 25 * * *", "--message", "x"], 7, /INVALID_REQUEST: schedule\.expr/],
    [["add", "--cron", "0 8 * * *", "--tz", "Nowhere/Land", "--message", "x"], 7, /schedule\.tz: "Nowhere\/Land" is not an IANA time zone/],
    [["add", "--every", "1h", "--message", "x", "--deliver", "--to", "telegram:1"], 7, /channel telegram is not configured/],
    [["edit", "no-such-job", "--every", "1h"], 7, /no cron job no-such-job/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = await run(args);
    assert.equal(r.code, code, `${args.join(" ")}: ${show(r)}`);
    assert.match(r.stderr, pattern, args.join(" "));
  }
  assert.equal(valid<Result<"cron.list">>("cron.list", json(await run(["list", "--all", "--json"]))).jobs.length, 0);
});
