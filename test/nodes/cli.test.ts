// The operator side of nodes in the built CLI: describe, rename, invoke; and `node run` refusing bad setups.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startGateway } from "../support/gateway.js";
import { jsonOut, runCli, tempDir } from "../cli/run-cli.js";
import { spawnNodeHost } from "./support/node-host.js";

test("nodes describe | rename | invoke against a real node host", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const node = await spawnNodeHost(t, { url: gw.url, displayName: "cli-node", nodeConfig: { systemRun: { allow: ["echo"] } } });
  const stateDir = await tempDir(t, "clawdbot-op-");
  const cli = (...args: string[]) => runCli([...args, "--url", gw.url], { stateDir, killAfterMs: 60_000 });

  const described = await cli("nodes", "describe", "cli-node", "--json");
  assert.equal(described.code, 0, described.stderr);
  const info = jsonOut<{ nodeId: string; connected: boolean; commands: string[] }>(described);
  assert.equal(info.nodeId, node.nodeId, "found by display name");
  assert.equal(info.connected, true);
  const human = await cli("nodes", "describe", node.nodeId.slice(0, 10));
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^cli-node {2}[0-9a-f]{64}\n {2}connected, linux/);
  assert.match(human.stdout, /commands: system\.info, system\.run/);

  const renamed = await cli("nodes", "rename", node.nodeId.slice(0, 10), "bench box", "--json");
  assert.deepEqual(jsonOut(renamed), { nodeId: node.nodeId, displayName: "bench box" });

  // A node that connected with its device identity (no node pairing) is listed, connected, under its new name.
  const listed = jsonOut<{ nodeId: string; displayName?: string; connected: boolean; paired: boolean }[]>(await cli("nodes", "list", "--json"));
  assert.deepEqual(listed.map((n) => [n.nodeId, n.displayName, n.connected, n.paired]), [[node.nodeId, "bench box", true, false]]);
  const table = await cli("nodes", "list");
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^${node.nodeId.slice(0, 12)}… +bench box +linux +connected +`, "m"));

  const ran = await cli("nodes", "invoke", "bench box", "system.run", "--params", '{"argv":["echo","from","cli"]}', "--json");
  assert.equal(ran.code, 0, ran.stderr);
  const res = jsonOut<{ ok: boolean; command: string; payload: { stdout: string; exitCode: number } }>(ran);
  assert.equal(res.command, "system.run");
  assert.equal(res.payload.stdout, "from cli\n");
  const infoHuman = await cli("nodes", "invoke", node.nodeId, "system.info");
  assert.equal(JSON.parse(infoHuman.stdout).pid, node.pid);

  const forbidden = await cli("nodes", "invoke", node.nodeId, "camera.snap");
  assert.equal(forbidden.code, 7);
  assert.match(forbidden.stderr, /^clawdbot: FORBIDDEN: command camera\.snap is not allowed/);
  const refused = await cli("nodes", "invoke", node.nodeId, "system.run", "--params", '{"argv":["id"]}', "--json");
  assert.equal(refused.code, 7);
  assert.equal(jsonOut<{ error: { code: string } }>(refused).error.code, "FORBIDDEN");
  const unknown = await cli("nodes", "describe", "nobody");
  assert.equal(unknown.code, 7);
  assert.match(unknown.stderr, /NOT_FOUND: no node "nobody"/);
  const badParams = await cli("nodes", "invoke", node.nodeId, "system.info", "--params", "{nope");
  assert.equal(badParams.code, 2);

  const dir = await tempDir(t, "clawdbot-a2ui-");
  const broken = join(dir, "broken.jsonl");
  await writeFile(broken, '{"ok":1}\n{oops\n');
  const badFile = await cli("nodes", "canvas", "a2ui", "push", "--node", node.nodeId, "--file", broken);
  assert.equal(badFile.code, 2);
  assert.match(badFile.stderr, /broken\.jsonl:2 is not JSON/);
});

test("clawdbot node run refuses a broken node.json or a missing URL with a clear message (exit 1)", async (t) => {
  const stateDir = await tempDir(t, "clawdbot-node-");
  const noUrl = await runCli(["node", "run"], { stateDir });
  assert.equal(noUrl.code, 1);
  assert.match(noUrl.stderr, /no gateway URL: pass --url ws:\/\/<host>:18789 or set gatewayUrl in .*node\.json/);
  const cfg = join(stateDir, "custom.json5");
  await writeFile(cfg, "{ systemRun: { allow: 'echo' } }");
  const bad = await runCli(["node", "run", "--url", "ws://127.0.0.1:9", "--config", cfg], { stateDir });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /custom\.json5: invalid node config: \/systemRun\/allow: must be array/);
  const http = await runCli(["node", "run", "--url", "http://127.0.0.1:9"], { stateDir });
  assert.equal(http.code, 1);
  assert.match(http.stderr, /--url must be a ws:\/\/ or wss:\/\/ URL/);
});
