// `clawdbot health`: exit 1 when a configured channel is down, and --json says which.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeFor, telegramConfig } from "../channels/harness.js";
import { jsonOut, runCli, tempDir } from "../cli/run-cli.js";
import { startGateway } from "../support/gateway.js";

test("clawdbot health exits 0 when every channel runs and 1 naming the one that is down", async (t) => {
  const fake = await fakeFor(t);
  const gw = await startGateway({ file: telegramConfig(fake) });
  t.after(() => gw.stop());
  const stateDir = await tempDir(t, "clawdbot-op-");
  const cli = (...args: string[]) => runCli([...args, "--url", gw.url], { stateDir, killAfterMs: 60_000 });
  const healthy = await cli("health", "--json");
  // The channel may still be starting; once it polls, health is ok.
  let h = jsonOut<{ ok: boolean; failingChannels: string[] }>(healthy);
  for (let i = 0; !h.ok && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    h = jsonOut(await cli("health", "--json"));
  }
  assert.equal(h.ok, true);
  const human = await cli("health");
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^gateway: healthy \(answered in \d+ms\)/);
  assert.match(human.stdout, /\nTelegram: ok\n/);

  await gw.stop();
  fake.fail("getMe", { kind: "error", code: 401, description: "Unauthorized" }, { times: Infinity });
  const broken = await startGateway({ file: telegramConfig(fake) });
  t.after(() => broken.stop());
  const down = await runCli(["health", "--json", "--url", broken.url], { stateDir, killAfterMs: 60_000 });
  assert.equal(down.code, 1, down.stderr);
  const body = jsonOut<{ ok: boolean; failingChannels: string[] }>(down);
  assert.equal(body.ok, false);
  assert.deepEqual(body.failingChannels, ["telegram"]);
  const text = await runCli(["health", "--url", broken.url], { stateDir, killAfterMs: 60_000 });
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^gateway: unhealthy: telegram down/);
  assert.match(text.stdout, /\nTelegram: not running/);
});
