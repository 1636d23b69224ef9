// `clawdbot pair approve` on the gateway host (same state dir) with auto-approval off: the CLI's own
// connect needs pairing too, so it approves through the pairing store; the running gateway re-reads
// the store and admits the device.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateIdentity } from "@clawdbot/protocol/client";
import { call, connect, connectOk, pairingGateway } from "./connections.js";
import { assertPairingRequired } from "./refusals.js";
import { pairList } from "./approval.js";
import { cliJson, runCli } from "./cli.js";

interface Approved {
  requestId: string;
  deviceId: string;
  via: "gateway" | "store";
}

test("pair approve <requestId>: the CLI is itself unpaired, approves via the store; the device then connects with its token", async (t) => {
  const gw = await pairingGateway(t, { autoApproveLocal: false });
  const first = generateIdentity();
  const requestId = await assertPairingRequired(await connect(gw.url, { identity: first, scopes: ["operator.admin"] }));

  const out = cliJson<Approved>(await runCli(["pair", "approve", requestId, "--url", gw.url, "--json"], gw.stateDir));
  assert.deepEqual(out, { requestId, deviceId: first.deviceId, via: "store" });

  const { client, hello } = await connectOk(t, gw.url, { identity: first, scopes: ["operator.admin"] });
  assert.deepEqual(hello.auth && { role: hello.auth.role, scopes: hello.auth.scopes }, { role: "operator", scopes: ["operator.admin"] });

  // The CLI did not approve itself: its own request is still pending.
  const { pending, paired } = await pairList(client);
  const cli = pending.filter((r) => r.clientId === "cli");
  assert.equal(cli.length, 1, `pending: ${JSON.stringify(pending)}`);
  assert.ok(!paired.some((d) => d.deviceId === cli[0]!.deviceId));
  assert.deepEqual(paired.map((d) => d.deviceId), [first.deviceId]);

  // With the first device approved, the CLI's request can be approved from there and the CLI then works through the gateway.
  await call(client, "device.pair.approve", { requestId: cli[0]!.requestId });
  const second = generateIdentity();
  const next = await assertPairingRequired(await connect(gw.url, { identity: second, scopes: ["operator.read"] }));
  const viaGateway = cliJson<Approved>(await runCli(["pair", "approve", next, "--url", gw.url, "--json"], gw.stateDir));
  assert.deepEqual(viaGateway, { requestId: next, deviceId: second.deviceId, via: "gateway" });
});

test("pair approve --latest approves the newest other device, not the CLI's own (newer) request", async (t) => {
  const gw = await pairingGateway(t, { autoApproveLocal: false });
  const older = generateIdentity();
  const newest = generateIdentity();
  await assertPairingRequired(await connect(gw.url, { identity: older, scopes: ["operator.read"] }));
  const requestId = await assertPairingRequired(await connect(gw.url, { identity: newest, scopes: ["operator.read"] }));

  const out = cliJson<Approved>(await runCli(["pair", "approve", "--latest", "--url", gw.url, "--json"], gw.stateDir));
  assert.deepEqual(out, { requestId, deviceId: newest.deviceId, via: "store" });
  await connectOk(t, gw.url, { identity: newest, scopes: ["operator.read"] });
  await assertPairingRequired(await connect(gw.url, { identity: older, scopes: ["operator.read"] }));
});

test("pair approve of an unknown request id exits 7 with NOT_FOUND and approves nothing", async (t) => {
  const gw = await pairingGateway(t, { autoApproveLocal: false });
  const r = await runCli(["pair", "approve", "no-such-request", "--url", gw.url, "--json"], gw.stateDir);
  const body = cliJson<{ error: { code: string } }>(r, 7);
  assert.equal(body.error.code, "NOT_FOUND");
});

test("after a store approval the running gateway's device.pair.list shows the device paired, not pending", async (t) => {
  const gw = await pairingGateway(t, { autoApproveLocal: false });
  const admin = generateIdentity();
  const adminReq = await assertPairingRequired(await connect(gw.url, { identity: admin, scopes: ["operator.admin"] }));
  cliJson<Approved>(await runCli(["pair", "approve", adminReq, "--url", gw.url, "--json"], gw.stateDir));
  const { client } = await connectOk(t, gw.url, { identity: admin, scopes: ["operator.admin"] });

  // A second device, approved through the store while the admin is connected; nothing else touches the store meanwhile.
  const other = generateIdentity();
  const otherReq = await assertPairingRequired(await connect(gw.url, { identity: other, scopes: ["operator.read"] }));
  const cliReq = (await pairList(client)).pending.find((r) => r.clientId === "cli");
  assert.ok(cliReq);
  await call(client, "device.pair.reject", { requestId: cliReq.requestId }); // the CLI stays unpaired: store fallback again
  cliJson<Approved>(await runCli(["pair", "approve", otherReq, "--url", gw.url, "--json"], gw.stateDir));

  const { pending, paired } = await pairList(client);
  assert.ok(paired.some((d) => d.deviceId === other.deviceId), "the approved device is listed as paired");
  assert.ok(!pending.some((r) => r.requestId === otherReq), "the approved request is no longer pending");
});
