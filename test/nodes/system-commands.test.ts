// system.which and system.notify on a real node host, routed by the gateway's default allowlist.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../cli/run-cli.js";
import { gateway, rejection } from "./support/fixtures.js";
import { connectOperator, spawnNodeHost, waitForNodes } from "./support/node-host.js";

test("system.which finds programs on the node's PATH; system.notify runs notify-send with the text as arguments", async (t) => {
  const gw = await gateway(t);
  const bin = await tempDir(t, "clawdbot-bin-");
  const log = join(bin, "notified.txt");
  // A stand-in notify-send that records its argv, one per line.
  await writeFile(join(bin, "notify-send"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${log}'; done\n`, { mode: 0o755 });
  const node = await spawnNodeHost(t, {
    url: gw.url,
    nodeConfig: { systemRun: { allow: ["echo"] } },
    env: { PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}` },
  });
  const op = await connectOperator(t, gw.url);
  const [info] = await waitForNodes(op, (ns) => ns.some((n) => n.nodeId === node.nodeId && n.connected));
  assert.ok(info!.commands.includes("system.which") && info!.commands.includes("system.notify"), info!.commands.join(", "));
  const call = (command: string, params: unknown) => op.call("node.invoke", { nodeId: node.nodeId, command, params, idempotencyKey: randomUUID() });

  const which = (await call("system.which", { bins: ["echo", "notify-send", "no-such-program-here"] })).payload as { bins: Record<string, string> };
  assert.deepEqual(Object.keys(which.bins).sort(), ["echo", "notify-send"]);
  assert.equal(which.bins["notify-send"], join(bin, "notify-send"));
  assert.equal((await rejection(call("system.which", { bins: ["../etc/passwd"] }))).code, "INVALID_REQUEST");

  await call("system.notify", { title: "Build done", body: "$(rm -rf ~) stays text" });
  assert.deepEqual((await readFile(log, "utf8")).split("\n").filter(Boolean), ["--", "Build done", "$(rm -rf ~) stays text"]);
});
