// `clawdbot send` to a channel that is offline answers once the message is stored ("queued, id …",
// the item on disk under outbox/pending); `--media` naming a file that does not exist is refused
// and nothing is queued.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { jsonOut, runCli, tempDir } from "./run-cli.js";

async function offlineTelegram(t: TestContext): Promise<TestGateway> {
  // Port 9 (discard) is closed on loopback: getMe fails, the account never comes online.
  const gw = await startGateway({
    file: { heartbeat: { enabled: false }, channels: { telegram: { botToken: "123456:offline-token-value", apiRoot: "http://127.0.0.1:9", pollTimeoutSec: 1 } } },
  });
  t.after(() => gw.stop());
  return gw;
}

async function pending(gw: TestGateway): Promise<string[]> {
  const names = await readdir(join(gw.stateDir, "outbox", "pending")).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(".json") && !n.startsWith(".")).map((n) => n.slice(0, -".json".length));
}

test("send to an offline channel answers `queued, id …` with the message stored on disk", async (t) => {
  const gw = await offlineTelegram(t);
  const cliDir = await tempDir(t);
  const r = await runCli(["send", "--url", gw.url, "--to", "telegram:42", "hello while offline"], { stateDir: cliDir });
  assert.equal(r.code, 0, r.stderr);
  const m = /^queued, id ([0-9a-f-]{36}), for telegram:42 \(stored; retried until delivered\)$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.deepEqual(await pending(gw), [m[1]]);

  const j = await runCli(["send", "--url", gw.url, "--to", "telegram:42", "again", "--json"], { stateDir: cliDir });
  assert.equal(j.code, 0, j.stderr);
  const out = jsonOut<{ status: string; messageId: string; channel: string; to: string }>(j);
  assert.equal(out.status, "queued");
  assert.equal(out.channel, "telegram");
  assert.ok((await pending(gw)).includes(out.messageId));
});

test("send --media with a file that does not exist is refused and nothing is queued; an existing file is queued", async (t) => {
  const gw = await offlineTelegram(t);
  const cliDir = await tempDir(t);
  const missing = join(cliDir, "no-such-photo.jpg");
  const r = await runCli(["send", "--url", gw.url, "--to", "telegram:42", "look", "--media", missing], { stateDir: cliDir });
  assert.equal(r.code, 7, r.stderr);
  const errLines = r.stderr.trim().split("\n");
  assert.equal(errLines.length, 1, r.stderr);
  assert.match(errLines[0]!, new RegExp(`media file ${missing.replace(/[.]/g, "\\.")} does not exist on the gateway host`));
  assert.match(errLines[0]!, /nothing was queued/);
  assert.deepEqual(await pending(gw), []);

  const photo = join(cliDir, "photo.jpg");
  await writeFile(photo, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  const ok = await runCli(["send", "--url", gw.url, "--to", "telegram:42", "look", "--media", photo], { stateDir: cliDir });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^queued, id /m);
  assert.equal((await pending(gw)).length, 1);
});
