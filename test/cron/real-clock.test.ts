// The scheduler on the real clock and Node's timers: a job every second runs again and again, each
// due time once, never overlapping itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CronJob, Result } from "@clawdbot/protocol";
import { call, eventually, tempStateDir } from "../channels/harness.js";
import { runCli, spawnGateway } from "../channels/cli.js";
import { gatewayFor, uiClient } from "../agent/wire.js";

test("a job every second on the real clock: each due time runs once, in order, without overlap", async (t) => {
  const gw = await gatewayFor(t, { file: { heartbeat: { enabled: false } } });
  const c = await uiClient(t, gw);
  const job = await call<CronJob>(c, "cron.add", { name: "tick", schedule: { kind: "every", everyMs: 1000 }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "tick" } });
  await eventually("four runs", async () => (await call<Result<"cron.runs">>(c, "cron.runs", { id: job.id })).entries.length >= 4, 30_000);
  await call(c, "cron.update", { id: job.id, patch: { enabled: false } });
  const { entries } = await call<Result<"cron.runs">>(c, "cron.runs", { id: job.id });
  assert.ok(entries.every((e) => e.status === "ok" && e.summary === "echo: tick"), JSON.stringify(entries));
  const due = entries.map((e) => e.scheduledAtMs!);
  assert.equal(new Set(due).size, due.length, "no due time ran twice");
  for (let i = 1; i < entries.length; i++) {
    assert.ok(due[i]! > due[i - 1]!, "due times increase");
    assert.equal((due[i]! - due[0]!) % 1000, 0, "on the one-second grid");
    assert.ok(entries[i]!.runAtMs >= entries[i - 1]!.runAtMs + entries[i - 1]!.durationMs, "a run started before the previous one ended");
    assert.ok(entries[i]!.runAtMs >= due[i]!, "never before its time");
  }
  const messages = (await call<Result<"chat.history">>(c, "chat.history", { sessionKey: `cron:${job.id}`, limit: 1000 })).messages;
  assert.equal(messages.length, entries.length * 2);
});

test("SIGHUP while a job runs (a real `clawdbot gateway`): the run finishes once and the schedule goes on without a double fire", async (t) => {
  const dir = await tempStateDir(t);
  const configPath = join(dir, "clawdbot.json");
  const config = { heartbeat: { enabled: false }, agent: { backend: "command", command: { argv: ["sh", "-c", "sleep 1; cat"] } } };
  await writeFile(configPath, JSON.stringify(config));
  const gw = await spawnGateway(t, dir, configPath);
  const cliJson = async <T>(args: string[]): Promise<T> => {
    const r = await runCli([...args, "--json", "--url", gw.url], dir);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const job = await cliJson<CronJob>(["cron", "add", "--every", "2s", "--message", "hup"]);
  await eventually("a run under way", async () => (await cliJson<Result<"cron.status">>(["cron", "status"])).runningJobs === 1, 20_000);
  // A reload mid-run, with a real change to apply.
  await writeFile(configPath, JSON.stringify({ ...config, logging: { level: "debug" } }));
  gw.child.kill("SIGHUP");
  await eventually("three runs", async () => (await cliJson<Result<"cron.runs">>(["cron", "runs", job.id])).entries.length >= 3, 30_000);
  await cliJson(["cron", "edit", job.id, "--disable"]);
  const { entries } = await cliJson<Result<"cron.runs">>(["cron", "runs", job.id]);
  assert.ok(entries.every((e) => e.status === "ok" && e.summary === "hup"), JSON.stringify(entries));
  const due = entries.map((e) => e.scheduledAtMs);
  assert.equal(new Set(due).size, due.length, `a due time ran twice: ${JSON.stringify(due)}`);
  for (let i = 1; i < entries.length; i++) assert.ok(entries[i]!.runAtMs >= entries[i - 1]!.runAtMs + entries[i - 1]!.durationMs, "runs overlapped");
  assert.match(gw.output(), /config reloaded/);
  assert.equal(gw.child.exitCode, null);
});
