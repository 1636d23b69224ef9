// Nodes in Chromium against a real gateway and a real node host process (with its own headless
// canvas): listed with platform, commands and last contact; renamed from the page (the new name
// is text, never markup); a canvas snapshot shown as an image; node pairing requests approved or
// rejected from the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { startGateway } from "../support/gateway.js";
import { connectOperator, spawnNodeHost, waitForNodes } from "../nodes/support/node-host.js";
import { connected, openControl, shoot } from "./support.js";

test("Nodes: a connected node host with its platform and commands; rename; canvas snapshot", async (t) => {
  if (!existsSync("/usr/bin/chromium")) return t.skip("the node's canvas needs /usr/bin/chromium");
  const gw = await startGateway();
  t.after(() => gw.stop());
  const host = await spawnNodeHost(t, { url: gw.url, displayName: "Kitchen", canvas: true });
  const op = await connectOperator(t, gw.url);
  await waitForNodes(op, (ns) => ns.some((n) => n.nodeId === host.nodeId && n.connected && n.commands.includes("canvas.snapshot")));

  const bp = await openControl(t, gw.port, "#/nodes");
  if (!bp) return;
  const { page, errors } = bp;
  await connected(page);
  const node = page.getByRole("article", { name: /^Kitchen/ });
  await node.waitFor();
  const text = await node.innerText();
  assert.match(text, /connected/);
  assert.match(text, new RegExp(host.nodeId));
  assert.match(text, /linux/);
  assert.match(text, /canvas\.snapshot/);
  assert.match(text, /system\.info/);
  assert.match(text, /Last seen\s+now/);

  const evil = `<img src=x onerror="document.title='pwned'">Attic`;
  await node.getByLabel("Name of Kitchen").fill(evil);
  await node.getByRole("button", { name: "Rename" }).click();
  const renamed = page.getByRole("article", { name: /^<img src=x/ });
  await renamed.waitFor();
  assert.equal(await page.locator("#main img[onerror]").count(), 0, "the name is text");
  assert.notEqual(await page.title(), "pwned");
  const listed = (await op.call("node.list")).nodes.find((n) => n.nodeId === host.nodeId);
  assert.equal(listed?.displayName, evil, "the gateway keeps the new name");

  await renamed.getByRole("button", { name: "Canvas snapshot" }).click();
  const img = renamed.getByRole("img", { name: `Canvas of ${evil}` });
  await img.waitFor({ timeout: 60_000 });
  assert.match((await img.getAttribute("src")) ?? "", /^data:image\/png;base64,iVBOR/);
  // The browser decodes it as a picture of the node's canvas (1024 px wide).
  await page.waitForFunction("[...document.querySelectorAll('#main figure img')].some((i) => i.complete && i.naturalWidth === 1024)");
  await shoot(page, "nodes", () => renamed.waitFor());
  assert.deepEqual(errors, []);
});

test("Nodes: a node pairing request appears live, is approved after confirming (then listed as paired), another is rejected", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const op = await connectOperator(t, gw.url);
  const bp = await openControl(t, gw.port, "#/nodes");
  if (!bp) return;
  const { page, errors } = bp;
  await connected(page);
  await page.getByRole("region", { name: "Node pairing requests (0)" }).waitFor();

  await op.call("node.pair.request", { nodeId: "kitchen-pi", displayName: "Kitchen Pi", platform: "linux", commands: ["canvas.snapshot", "system.run"] });
  const requests = page.getByRole("region", { name: "Node pairing requests (1)" });
  const kitchen = requests.getByRole("article", { name: "Kitchen Pi", exact: true });
  await kitchen.waitFor();
  const text = await kitchen.innerText();
  assert.match(text, /kitchen-pi/);
  assert.match(text, /linux/);
  assert.match(text, /system\.run/);

  await kitchen.getByRole("button", { name: "Approve" }).click();
  const dialog = page.getByRole("dialog", { name: "Approve node Kitchen Pi?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.deepEqual((await op.call("node.pair.list")).pending.map((r) => r.nodeId), ["kitchen-pi"], "cancel approves nothing");
  await kitchen.getByRole("button", { name: "Approve" }).click();
  await dialog.getByRole("button", { name: "Approve" }).click();
  await page.getByText("Node approved.").waitFor();
  await page.getByRole("region", { name: "Node pairing requests (0)" }).waitFor();
  const approved = await op.call("node.pair.list");
  assert.deepEqual([approved.pending, approved.paired.map((p) => p.nodeId)], [[], ["kitchen-pi"]]);
  await page.getByRole("region", { name: "Paired, not connected yet (1)" }).getByRole("article", { name: /^Kitchen Pi/ }).waitFor();
  await shoot(page, "nodes-pairing", () => page.getByRole("region", { name: "Paired, not connected yet (1)" }).waitFor());

  await op.call("node.pair.request", { nodeId: "garage-pi", displayName: "Garage Pi" });
  const garage = page.getByRole("article", { name: "Garage Pi", exact: true });
  await garage.getByRole("button", { name: "Reject" }).click();
  await page.getByText("Request rejected.").waitFor();
  await page.getByRole("region", { name: "Node pairing requests (0)" }).waitFor();
  const after = await op.call("node.pair.list");
  assert.deepEqual([after.pending, after.paired.map((p) => p.nodeId)], [[], ["kitchen-pi"]], "the rejected node is not paired");
  assert.deepEqual(errors, []);
});
