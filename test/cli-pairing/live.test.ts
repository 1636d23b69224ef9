// The pairing CLI (`pair`, `devices`, `nodes`) against a live gateway that does not auto-approve
// local devices. The CLI shares the gateway's state dir, as on the gateway host. Tests run in order:
// the first one gets the CLI itself approved, the others rely on that.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DeviceStore } from "@clawdbot/sidecar";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw, type Frame, type RawClient } from "../support/raw-client.js";
import { EXIT, assertExit, cliDeviceId, jsonOut, runCli, startCli } from "./cli.js";

const NO_AUTO_APPROVE = { gateway: { pairing: { autoApproveLocal: false } } };
const APPROVE_HINT = /`clawdbot pair approve ([0-9a-f-]{36})`/;

interface Pending {
  requestId: string;
  deviceId: string;
}
interface TokenInfo {
  role: string;
  scopes: string[];
  revokedAtMs?: number;
}
interface DeviceInfo {
  deviceId: string;
  tokens: TokenInfo[];
}

/** Connects `identity`; returns the refusal's requestId, failing when the connect was not refused as NOT_PAIRED. */
async function refusedRequestId(url: string, identity: DeviceIdentity): Promise<string> {
  const { client, res } = await connectRaw(url, { identity });
  client.close();
  assert.equal(res.ok, false, `expected NOT_PAIRED, got ${JSON.stringify(res).slice(0, 500)}`);
  assert.equal(res.error?.code, "NOT_PAIRED", JSON.stringify(res.error));
  const id = (res.error?.details as { requestId?: unknown } | undefined)?.requestId;
  assert.equal(typeof id, "string", JSON.stringify(res.error));
  return id as string;
}

/** The hello-ok payload of a successful connect (the socket is closed). */
async function hello(url: string, identity: DeviceIdentity, token?: string): Promise<{ auth?: { deviceToken: string; role: string } }> {
  const { client, res } = await connectRaw(url, { identity, ...(token !== undefined ? { token } : {}) });
  client.close();
  assert.equal(res.ok, true, `connect refused: ${JSON.stringify(res.error)}`);
  const payload = res.payload as { type?: string; auth?: { deviceToken: string; role: string } };
  assert.equal(payload.type, "hello-ok");
  return payload;
}

/** Every key anywhere in a JSON value. */
function keysOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(keysOf);
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => [k, ...keysOf(x)]);
  return [];
}

describe("pairing CLI against a live gateway with autoApproveLocal=false", () => {
  let gw: TestGateway;
  let admin: RawClient;
  let cliId: string;
  /** `clawdbot <args> --url <gateway>` with the gateway's state dir. */
  const cli = (...args: string[]) => runCli([...args, "--url", gw.url], gw.stateDir);
  const deviceA = generateIdentity();
  let tokenA = "";

  before(async () => {
    gw = await startGateway({ file: NO_AUTO_APPROVE });
    // An operator UI kept connected throughout (approved in-process, as `pair approve` does offline).
    const identity = generateIdentity();
    const requestId = await refusedRequestId(gw.url, identity);
    const store = await DeviceStore.open(gw.stateDir, Date.now);
    assert.ok(await store.approve(requestId));
    const c = await connectRaw(gw.url, { identity });
    assert.equal(c.res.ok, true, JSON.stringify(c.res.error));
    admin = c.client;
  });
  after(async () => {
    admin?.close();
    await gw?.stop();
  });

  test("the CLI's own first connect exits 5 naming `clawdbot pair approve <id>`; that command approves it via the store; then `pair list` exits 0", async () => {
    const first = await cli("pair", "list");
    assertExit(first, EXIT.pairingRequired);
    const requestId = APPROVE_HINT.exec(first.stderr)?.[1];
    assert.ok(requestId, first.stderr);
    cliId = await cliDeviceId(gw.stateDir);
    const store = await DeviceStore.open(gw.stateDir, Date.now);
    assert.equal(store.getPending(requestId)?.deviceId, cliId, "the named request is not the CLI's own");

    const approve = await cli("pair", "approve", requestId);
    assertExit(approve, EXIT.ok);
    assert.match(approve.stdout, /written to the pairing store/);
    assert.ok(approve.stdout.includes(requestId), approve.stdout);

    assertExit(await cli("pair", "list"), EXIT.ok);
  });

  test("a connecting device is listed by `pair list`, and `pair list --json` carries its requestId", async () => {
    const requestId = await refusedRequestId(gw.url, deviceA);
    const human = await cli("pair", "list");
    assertExit(human, EXIT.ok);
    assert.ok(human.stdout.includes(requestId), human.stdout);
    const json = await cli("pair", "list", "--json");
    assertExit(json, EXIT.ok);
    const { pending } = jsonOut<{ pending: Pending[] }>(json);
    assert.deepEqual(
      pending.map((p) => [p.requestId, p.deviceId]),
      [[requestId, deviceA.deviceId]],
    );
  });

  test("`pair approve --latest` approves it through the gateway (exit 0); the device's next connect gets hello-ok.auth.deviceToken", async () => {
    const requestId = await refusedRequestId(gw.url, deviceA); // the same open request
    const r = await cli("pair", "approve", "--latest");
    assertExit(r, EXIT.ok);
    assert.ok(r.stdout.includes(requestId), r.stdout);
    assert.doesNotMatch(r.stdout, /pairing store/, "a reachable gateway approves, not the store");
    const h = await hello(gw.url, deviceA);
    assert.equal(h.auth?.role, "operator");
    assert.match(h.auth?.deviceToken ?? "", /\S{32,}/);
    tokenA = h.auth!.deviceToken;
    assert.ok(await hello(gw.url, deviceA, tokenA), "the issued token works");
  });

  test("`pair reject <id>` exits 0 and the device stays refused", async () => {
    const deviceB = generateIdentity();
    const requestId = await refusedRequestId(gw.url, deviceB);
    const r = await cli("pair", "reject", requestId);
    assertExit(r, EXIT.ok);
    assert.ok(r.stdout.includes(requestId), r.stdout);
    const again = await refusedRequestId(gw.url, deviceB);
    assert.notEqual(again, requestId, "a rejected request must not be reused");
    const { pending } = jsonOut<{ pending: Pending[]; paired: DeviceInfo[] }>(await cli("pair", "list", "--json"));
    assert.ok(!pending.some((p) => p.requestId === requestId), "the rejected request is still listed");
    const store = await DeviceStore.open(gw.stateDir, Date.now);
    assert.equal(store.get(deviceB.deviceId), undefined, "a rejected device must not be paired");
    // Leave nothing pending for later tests.
    assert.ok(await store.reject(again));
  });

  test("`pair approve <unknown id>` exits 7; with --json the error code is NOT_FOUND", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    assertExit(await cli("pair", "approve", unknown), EXIT.requestFailed);
    const json = await cli("pair", "approve", unknown, "--json");
    assertExit(json, EXIT.requestFailed);
    assert.equal(jsonOut<{ error: { code: string } }>(json).error.code, "NOT_FOUND");
  });

  test("`devices list --json` lists the paired devices with token metadata only: no hash in any form", async () => {
    const r = await cli("devices", "list", "--json");
    assertExit(r, EXIT.ok);
    const devices = jsonOut<DeviceInfo[]>(r);
    assert.ok(devices.some((d) => d.deviceId === deviceA.deviceId), r.stdout);
    assert.ok(devices.some((d) => d.deviceId === cliId), r.stdout);
    assert.deepEqual(devices.find((d) => d.deviceId === deviceA.deviceId)?.tokens.map((t) => t.role), ["operator"]);
    assert.ok(!keysOf(devices).some((k) => /hash/i.test(k)), `a hash-like key in ${r.stdout}`);
    const file = JSON.parse(await readFile(join(gw.stateDir, "devices", "pairing.json"), "utf8")) as {
      paired: Record<string, { tokens: Record<string, { hash: string }> }>;
    };
    const hashes = Object.values(file.paired).flatMap((d) => Object.values(d.tokens).map((t) => t.hash));
    assert.ok(hashes.length >= 2);
    for (const h of hashes) assert.ok(!r.stdout.includes(h), "devices list printed a token hash");
    assert.ok(!r.stdout.includes(tokenA), "devices list printed a token");
  });

  test("`devices rotate <id> --role operator --json` returns a token that works for that device; the previous one is refused", async () => {
    const r = await cli("devices", "rotate", deviceA.deviceId, "--role", "operator", "--json");
    assertExit(r, EXIT.ok);
    const rotated = jsonOut<{ deviceId: string; role: string; token: string }>(r);
    assert.equal(rotated.deviceId, deviceA.deviceId);
    assert.equal(rotated.role, "operator");
    assert.notEqual(rotated.token, tokenA);
    await hello(gw.url, deviceA, rotated.token);
    const old = await connectRaw(gw.url, { identity: deviceA, token: tokenA });
    old.client.close();
    assert.equal(old.res.error?.code, "UNAUTHORIZED", JSON.stringify(old.res));
    tokenA = rotated.token;
  });

  test("`devices rotate … --scopes operator.read` narrows the new token's scopes; it still connects", async () => {
    const r = await cli("devices", "rotate", deviceA.deviceId, "--role", "operator", "--scopes", "operator.read", "--json");
    assertExit(r, EXIT.ok);
    const rotated = jsonOut<{ token: string; scopes: string[] }>(r);
    assert.deepEqual(rotated.scopes, ["operator.read"]);
    await hello(gw.url, deviceA, rotated.token);
    tokenA = rotated.token;
  });

  test("`devices rotate <the CLI's own id>` stores the new token for the CLI's next connect", async () => {
    const r = await cli("devices", "rotate", cliId, "--role", "operator");
    assertExit(r, EXIT.ok);
    assert.match(r.stdout, /stored for its next connect/);
    const saved = JSON.parse(await readFile(join(gw.stateDir, "identity", "device-auth.json"), "utf8")) as Record<string, string>;
    const token = saved[`${gw.url}|operator`];
    assert.ok(token && r.stdout.includes(token), `stored ${token ?? "nothing"}; printed ${r.stdout}`);
    assertExit(await cli("pair", "list"), EXIT.ok);
  });

  test("`devices revoke <id> --role operator` exits 0; that token is refused afterwards and listed as revoked", async () => {
    const r = await cli("devices", "revoke", deviceA.deviceId, "--role", "operator");
    assertExit(r, EXIT.ok);
    const after = await connectRaw(gw.url, { identity: deviceA, token: tokenA });
    after.client.close();
    assert.equal(after.res.ok, false, "a revoked token was accepted");
    assert.equal(after.res.error?.code, "UNAUTHORIZED", JSON.stringify(after.res));
    const devices = jsonOut<DeviceInfo[]>(await cli("devices", "list", "--json"));
    const token = devices.find((d) => d.deviceId === deviceA.deviceId)?.tokens.find((t) => t.role === "operator");
    assert.equal(typeof token?.revokedAtMs, "number", JSON.stringify(token));
  });

  test("`devices rotate|revoke` of a device that is not paired exit 7 (NOT_FOUND)", async () => {
    const unknown = generateIdentity().deviceId;
    const rotate = await cli("devices", "rotate", unknown, "--role", "operator", "--json");
    assertExit(rotate, EXIT.requestFailed);
    assert.equal(jsonOut<{ error: { code: string } }>(rotate).error.code, "NOT_FOUND");
    assertExit(await cli("devices", "revoke", unknown, "--role", "operator"), EXIT.requestFailed);
  });

  test("`pair watch --count 1 --no-prompt --json` prints the next request as it arrives and exits 0", async () => {
    const watch = startCli(["pair", "watch", "--count", "1", "--no-prompt", "--json", "--url", gw.url], gw.stateDir);
    try {
      // The watcher is subscribed once it shows up in presence (it connects in "backend" mode).
      const watching = (f: Frame) =>
        f.type === "event" &&
        f.event === "presence" &&
        (f.payload as { presence: { deviceId?: string; mode?: string }[] }).presence.some((e) => e.deviceId === cliId && e.mode === "backend");
      await Promise.race([admin.next(watching, 60_000), watch.done.then((r) => assert.fail(`pair watch exited early: ${JSON.stringify(r)}`))]);
      const deviceC = generateIdentity();
      const requestId = await refusedRequestId(gw.url, deviceC);
      const r = await watch.within(30_000);
      assertExit(r, EXIT.ok);
      const seen = jsonOut<Pending[]>(r);
      assert.deepEqual(
        seen.map((p) => [p.requestId, p.deviceId]),
        [[requestId, deviceC.deviceId]],
      );
      const store = await DeviceStore.open(gw.stateDir, Date.now);
      assert.ok(await store.reject(requestId));
    } finally {
      watch.kill();
    }
  });

  test("`nodes pending|approve|list`: a node.pair.request is listed, approved with a token that verifies, then listed as paired without its hash", async () => {
    const req = await admin.request("node.pair.request", { nodeId: "n1", displayName: "Kitchen" });
    assert.equal(req.ok, true, JSON.stringify(req.error));
    const requestId = (req.payload as { request: { requestId: string } }).request.requestId;

    const pending = await cli("nodes", "pending", "--json");
    assertExit(pending, EXIT.ok);
    assert.deepEqual(
      jsonOut<{ requestId: string; nodeId: string; displayName?: string }[]>(pending).map((p) => [p.requestId, p.nodeId, p.displayName]),
      [[requestId, "n1", "Kitchen"]],
    );
    const human = await cli("nodes", "pending");
    assertExit(human, EXIT.ok);
    assert.ok(human.stdout.includes(requestId) && human.stdout.includes("Kitchen"), human.stdout);

    const approve = await cli("nodes", "approve", requestId, "--json");
    assertExit(approve, EXIT.ok);
    const approved = jsonOut<{ requestId: string; node: { nodeId: string }; token: string }>(approve);
    assert.equal(approved.node.nodeId, "n1");
    const verify = await admin.request("node.pair.verify", { nodeId: "n1", token: approved.token });
    assert.equal((verify.payload as { ok?: boolean } | undefined)?.ok, true, JSON.stringify(verify));

    const list = await cli("nodes", "list", "--json");
    assertExit(list, EXIT.ok);
    const nodes = jsonOut<Record<string, unknown>[]>(list);
    assert.deepEqual(nodes.map((n) => [n["nodeId"], n["displayName"]]), [["n1", "Kitchen"]]);
    assert.ok(!keysOf(nodes).some((k) => /hash|token/i.test(k)), list.stdout);
    assert.ok(!list.stdout.includes(approved.token));
    assert.deepEqual(jsonOut<unknown[]>(await cli("nodes", "pending", "--json")), []);
    assertExit(await cli("nodes", "approve", requestId), EXIT.requestFailed);
  });

  test("`nodes reject <id>` exits 0; the node is neither pending nor paired", async () => {
    const req = await admin.request("node.pair.request", { nodeId: "n2", displayName: "Garage" });
    const requestId = (req.payload as { request: { requestId: string } }).request.requestId;
    assertExit(await cli("nodes", "reject", requestId), EXIT.ok);
    assert.deepEqual(jsonOut<unknown[]>(await cli("nodes", "pending", "--json")), []);
    const nodes = jsonOut<{ nodeId: string }[]>(await cli("nodes", "list", "--json"));
    assert.ok(!nodes.some((n) => n.nodeId === "n2"), JSON.stringify(nodes));
  });
});
