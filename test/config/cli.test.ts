// `clawdbot config get|set|unset|edit` as a user runs them, against a running gateway; and a change
// that needs a restart, applied by a `clawdbot gateway` that restarts itself when asked.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HelloOk, Result } from "@clawdbot/protocol";
import { connectRaw } from "../support/raw-client.js";
import { cli, json, show } from "../agent/cli.js";
import { startGateway } from "../support/gateway.js";
import { runCli, spawnGateway } from "../channels/cli.js";
import { tempStateDir } from "../channels/harness.js";
import { eventually } from "../support/wait.js";

const TOKEN = "gw-token-cli-0123456789";
const FILE = `{
  // heartbeat every half hour
  "heartbeat": { "intervalMs": 1800000 },
  "gateway": { "auth": { "token": "${TOKEN}" } },
}
`;

async function gateway(t: TestContext) {
  const gw = await startGateway({ configText: FILE, flags: { token: TOKEN } });
  t.after(() => gw.stop());
  return { gw, path: join(gw.stateDir, "clawdbot.json"), run: (args: string[], env: Record<string, string> = {}) => cli(gw, [...args, "--token", TOKEN], env) };
}

test("config get shows the file or one key, secrets redacted", async (t) => {
  const { run } = await gateway(t);
  const all = await run(["config", "get"]);
  assert.equal(all.code, 0, show(all));
  assert.deepEqual(JSON.parse(all.stdout), { heartbeat: { intervalMs: 1_800_000 }, gateway: { auth: { token: "[redacted]" } } });
  assert.equal((await run(["config", "get", "heartbeat.intervalMs"])).stdout, "1800000\n");
  assert.equal((await run(["config", "get", "gateway.auth.token"])).stdout, "[redacted]\n");
  const j = json<{ path: string; value: unknown; hash: string; valid: boolean }>(await run(["config", "get", "heartbeat", "--json"]));
  assert.deepEqual([j.path, j.value, j.valid], ["heartbeat", { intervalMs: 1_800_000 }, true]);
  assert.match(j.hash, /^[0-9a-f]{64}$/);
  const missing = await run(["config", "get", "cron.enabled"]);
  assert.equal(missing.code, 7, show(missing));
  assert.match(missing.stderr, /cron\.enabled is not set in .*clawdbot\.json/);
  for (const r of [all, missing]) assert.ok(!`${r.stdout}${r.stderr}`.includes(TOKEN));
});

test("config set and unset change one key through the gateway, keep comments, and say what took effect", async (t) => {
  const { gw, path, run } = await gateway(t);
  const set = await run(["config", "set", "heartbeat.intervalMs", "600000"]);
  assert.equal(set.code, 0, show(set));
  assert.equal(set.stdout, "changed heartbeat.intervalMs\napplied now: heartbeat.intervalMs\n");
  assert.match(await readFile(path, "utf8"), /\/\/ heartbeat every half hour[\s\S]*"intervalMs": 600000/);

  const list = json<Result<"config.patch">>(await run(["config", "set", "gateway.allowedOrigins", '["https://a.example", "https://b.example"]', "--json"]));
  assert.deepEqual(list.changed, ["gateway.allowedOrigins"]);
  assert.equal(gw.gateway.port > 0, true);
  const text = await run(["config", "set", "logging.level", "debug", "--json"]);
  assert.deepEqual(json<Result<"config.patch">>(text).live, ["logging.level"]);

  const restart = await run(["config", "set", "gateway.tickIntervalMs", "20000"]);
  assert.match(restart.stdout, /after a restart: gateway\.tickIntervalMs/);

  const unset = await run(["config", "unset", "heartbeat.intervalMs"]);
  assert.equal(unset.code, 0, show(unset));
  assert.equal(unset.stdout, "changed heartbeat.intervalMs\napplied now: heartbeat.intervalMs\n");
  assert.doesNotMatch(await readFile(path, "utf8"), /intervalMs/);
  assert.equal((await run(["config", "unset", "heartbeat.intervalMs"])).stdout, "no change\n");

  const bad = await run(["config", "set", "heartbeat.intervalMs", "5"]);
  assert.equal(bad.code, 7, show(bad));
  assert.match(bad.stderr, new RegExp(`INVALID_REQUEST: ${path.replace(/[/.]/g, "\\$&")}: invalid config: heartbeat\\.intervalMs must be at least 1000 \\(got 5\\)`));
  const usage = await run(["config", "set", "a..b", "1"]);
  assert.equal(usage.code, 2, show(usage));
  assert.match(await readFile(path, "utf8"), new RegExp(TOKEN), "the secret stays in the file");
});

test("config edit opens $EDITOR on the redacted file and applies the edit; secrets kept; a file changed meanwhile is a conflict", async (t) => {
  const { gw, path, run } = await gateway(t);
  const dir = gw.stateDir;
  // An editor that changes the interval, and one that also lets "someone else" change the file meanwhile.
  const editor = join(dir, "edit.sh");
  await writeFile(editor, `#!/bin/sh\nsed -i 's/1800000/900000/' "$1"\n`);
  const racing = join(dir, "race.sh");
  await writeFile(racing, `#!/bin/sh\nsed -i 's/900000/300000/' "$1"\nsed -i 's/900000/450000/' "${path}"\n`);
  const idle = join(dir, "idle.sh");
  await writeFile(idle, "#!/bin/sh\nexit 0\n");
  for (const f of [editor, racing, idle]) await chmod(f, 0o755);

  const edited = await run(["config", "edit"], { EDITOR: editor });
  assert.equal(edited.code, 0, show(edited));
  assert.equal(edited.stdout, "changed heartbeat.intervalMs\napplied now: heartbeat.intervalMs\n");
  assert.equal(await readFile(path, "utf8"), FILE.replace("1800000", "900000"), "secret restored, comment kept");

  const unchanged = await run(["config", "edit"], { EDITOR: idle });
  assert.equal(unchanged.stdout, "no changes\n");

  const conflict = await run(["config", "edit"], { EDITOR: racing });
  assert.equal(conflict.code, 7, show(conflict));
  const kept = /your edit is kept in (\S+)\)/.exec(conflict.stderr)?.[1];
  assert.match(conflict.stderr, /CONFLICT: .* changed since you read it/);
  assert.ok(kept, conflict.stderr);
  assert.match(await readFile(kept, "utf8"), /300000/);
  assert.match(await readFile(path, "utf8"), /450000/, "the other change stands");
  for (const r of [edited, conflict]) assert.ok(!`${r.stdout}${r.stderr}`.includes(TOKEN));
});

test("a change that needs a restart, with --restart-delay: `clawdbot gateway` restarts itself and runs with it", async (t) => {
  const dir = await tempStateDir(t);
  const configPath = join(dir, "clawdbot.json");
  await writeFile(configPath, '{ "heartbeat": { "enabled": false } }\n');
  const gw = await spawnGateway(t, dir, configPath);
  const r = await runCli(["config", "set", "gateway.tickIntervalMs", "15000", "--restart-delay", "200", "--json", "--url", gw.url], dir);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const res = JSON.parse(r.stdout) as Result<"config.patch">;
  assert.deepEqual(res.restartRequired, ["gateway.tickIntervalMs"]);
  assert.deepEqual(res.restart, { scheduled: true, delayMs: 200 });
  // A second listening line: the new gateway (a new port, as --port 0 asks).
  await eventually("the gateway listens again", () => (gw.output().match(/clawdbot gateway listening on/g) ?? []).length === 2, 20_000);
  const url = [...gw.output().matchAll(/listening on (ws:\/\/\S+) /g)].at(-1)![1]!;
  const status = await runCli(["health", "--json", "--url", url], dir);
  assert.equal(status.code, 0, status.stderr);
  const { client, res: hello } = await connectRaw(url);
  t.after(() => client.close());
  assert.equal((hello.payload as HelloOk).policy.tickIntervalMs, 15_000, "the restarted gateway runs with the new value");
  assert.equal(gw.child.exitCode, null, "the process kept running");
});
