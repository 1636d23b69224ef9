// `pair approve` while a gateway runs but this CLI is itself not yet approved: the CLI approves in
// the state dir's pairing store, and the running gateway must pick the change up.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { DeviceStore } from "@clawdbot/sidecar";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw, type RawClient } from "../support/raw-client.js";
import { EXIT, assertExit, cliDeviceId, runCli } from "./cli.js";

async function gateway(t: TestContext): Promise<TestGateway> {
  const gw = await startGateway({ file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  return gw;
}

async function refusedRequestId(url: string, identity: DeviceIdentity): Promise<string> {
  const { client, res } = await connectRaw(url, { identity });
  client.close();
  assert.equal(res.error?.code, "NOT_PAIRED", JSON.stringify(res));
  return (res.error?.details as { requestId: string }).requestId;
}

/** An operator connection approved in-process through the store, as an already-paired UI would be. */
async function adminOf(t: TestContext, gw: TestGateway): Promise<RawClient> {
  const identity = generateIdentity();
  const requestId = await refusedRequestId(gw.url, identity);
  assert.ok(await (await DeviceStore.open(gw.stateDir, Date.now)).approve(requestId));
  const { client, res } = await connectRaw(gw.url, { identity });
  t.after(() => client.close());
  assert.equal(res.ok, true, JSON.stringify(res.error));
  return client;
}

test("`pair approve --latest --url <gateway>` from a CLI that is not approved: writes the store, skips the CLI's own request, and the device's next connect succeeds", async (t) => {
  const gw = await gateway(t);
  const device = generateIdentity();
  const requestId = await refusedRequestId(gw.url, device);
  // The CLI's connect files its own request just before it falls back: that one is the newest.
  const r = await runCli(["pair", "approve", "--latest", "--url", gw.url], gw.stateDir);
  assertExit(r, EXIT.ok);
  assert.ok(r.stdout.includes(requestId), r.stdout);
  assert.match(r.stdout, /written to the pairing store/);
  const store = await DeviceStore.open(gw.stateDir, Date.now);
  assert.ok(store.get(device.deviceId), "the device was not paired");
  const cliId = await cliDeviceId(gw.stateDir);
  assert.deepEqual(store.listPending().map((p) => p.deviceId), [cliId], "the CLI's own request should stay pending");
  const { client, res } = await connectRaw(gw.url, { identity: device });
  client.close();
  assert.equal(res.ok, true, JSON.stringify(res.error));
  assert.match((res.payload as { auth?: { deviceToken?: string } }).auth?.deviceToken ?? "", /\S{32,}/);
});

// The gateway keeps the store in memory; device.pair.list must still show what the CLI wrote to disk
// (it re-reads the file), or operators would keep seeing an approved request as pending.
test("after the CLI approved through the store, connected operators' device.pair.list no longer shows the request as pending", async (t) => {
  const gw = await gateway(t);
  const admin = await adminOf(t, gw);
  const device = generateIdentity();
  const requestId = await refusedRequestId(gw.url, device);
  const r = await runCli(["pair", "approve", requestId, "--url", gw.url], gw.stateDir);
  assertExit(r, EXIT.ok);
  assert.match(r.stdout, /written to the pairing store/);
  assert.ok((await DeviceStore.open(gw.stateDir, Date.now)).get(device.deviceId), "the store has the device paired");
  const list = await admin.request("device.pair.list", {});
  assert.equal(list.ok, true, JSON.stringify(list.error));
  const pending = (list.payload as { pending: { requestId: string }[] }).pending.map((p) => p.requestId);
  assert.ok(!pending.includes(requestId), `device.pair.list still lists approved request ${requestId} as pending`);
});

// Exposes a CLI bug: `pair approve` falls back to the LOCAL store on any "pairing required"
// (cli/src/commands/pair/approve.ts, the `local` condition), even when --url names a gateway that
// keeps its pairing store elsewhere. `--latest` then approves whatever device is newest in this
// host's store and reports success, although the user asked the other gateway.
test("`pair approve --latest --url <a gateway with another state dir>` from a CLI not approved there does not approve devices in this host's store", async (t) => {
  const other = await gateway(t);
  const localDir = await mkdtemp(join(tmpdir(), "clawdbot-local-"));
  t.after(() => rm(localDir, { recursive: true, force: true }));
  const local = await DeviceStore.open(localDir, Date.now);
  const { request } = await local.requestPairing({ deviceId: "local-device", publicKey: "pk-local", role: "operator", scopes: ["operator.admin"] }, false);

  const r = await runCli(["pair", "approve", "--latest", "--url", other.url], localDir);
  const after = await DeviceStore.open(localDir, Date.now);
  assert.equal(after.get("local-device"), undefined, `a device in ${localDir} was approved on behalf of ${other.url}\n${r.stdout}`);
  assert.ok(after.getPending(request.requestId));
  assertExit(r, EXIT.pairingRequired);
});
