// `pair approve` with no gateway running: it approves in the state dir's pairing store directly.
import { describe, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { DeviceStore } from "@clawdbot/sidecar";
import { EXIT, assertExit, cliDeviceId, deadUrl, jsonOut, runCli } from "./cli.js";

const claim = (deviceId: string) => ({ deviceId, publicKey: `pk-${deviceId}`, role: "operator", scopes: ["operator.read"], displayName: deviceId });

describe("pair approve with no gateway running", () => {
  let stateDir: string;
  /** CLAWDBOT_GATEWAY_URL points at a closed port: unreachable, and no --url given. */
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, stateDir, env);
  const base = Date.now();
  /** A store whose clock puts each request at a chosen offset (so "latest" is well defined). */
  const storeAt = (offset: number) => DeviceStore.open(stateDir, () => base + offset);
  let idA = "";
  let idB = "";

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "clawdbot-offline-"));
    env = { CLAWDBOT_GATEWAY_URL: await deadUrl() };
    idA = (await (await storeAt(-3000)).requestPairing(claim("device-a"), false)).request.requestId;
    idB = (await (await storeAt(-2000)).requestPairing(claim("device-b"), false)).request.requestId;
  });
  after(() => rm(stateDir, { recursive: true, force: true }));

  test("`pair approve <requestId>` exits 0, says it wrote the pairing store; DeviceStore.open sees the device paired", async () => {
    const r = await cli("pair", "approve", idA);
    assertExit(r, EXIT.ok);
    assert.match(r.stdout, /written to the pairing store/);
    assert.ok(r.stdout.includes(idA), r.stdout);
    const store = await DeviceStore.open(stateDir, Date.now);
    assert.equal(store.get("device-a")?.publicKey, "pk-device-a");
    assert.deepEqual(store.listPending().map((p) => p.requestId), [idB]);
  });

  test("`pair approve --latest --json` approves the newest request that is not the CLI's own (exit 0, via store)", async () => {
    // The CLI's identity exists since its first run; file a request for it that is newer than device-b's.
    const self = await cliDeviceId(stateDir);
    await (await storeAt(-1000)).requestPairing(claim(self), false);
    const r = await cli("pair", "approve", "--latest", "--json");
    assertExit(r, EXIT.ok);
    assert.deepEqual(jsonOut(r), { requestId: idB, deviceId: "device-b", via: "store" });
    const store = await DeviceStore.open(stateDir, Date.now);
    assert.deepEqual(store.listPaired().map((d) => d.deviceId).sort(), ["device-a", "device-b"]);
    assert.deepEqual(store.listPending().map((p) => p.deviceId), [self]);
  });

  test("`pair approve --latest` with only the CLI's own request pending approves the CLI itself", async () => {
    const self = await cliDeviceId(stateDir);
    const r = await cli("pair", "approve", "--latest", "--json");
    assertExit(r, EXIT.ok);
    assert.equal(jsonOut<{ deviceId: string; via: string }>(r).deviceId, self);
    const store = await DeviceStore.open(stateDir, Date.now);
    assert.ok(store.get(self), "the CLI's device is paired");
    assert.deepEqual(store.listPending(), []);
  });

  test("`pair approve --latest` with nothing pending and no gateway exits 3 saying why, and changes nothing", async () => {
    const path = join(stateDir, "devices", "pairing.json");
    const before = await readFile(path);
    const r = await cli("pair", "approve", "--latest");
    assertExit(r, EXIT.unreachable);
    assert.match(r.stderr, /^clawdbot: no pending pairing request in .+, and no gateway is running to file one \(gateway unreachable: .*ECONNREFUSED.*\); start it with `clawdbot gateway`/);
    const j = await cli("pair", "approve", "--latest", "--json");
    assertExit(j, EXIT.unreachable);
    assert.equal(jsonOut<{ error: { code: string } }>(j).error.code, "unreachable");
    assert.deepEqual(await readFile(path), before);
  });

  test("`pair approve <unknown>` with no gateway exits 3; with no id and no --latest it exits 2", async () => {
    const r = await cli("pair", "approve", "00000000-0000-4000-8000-000000000000");
    assertExit(r, EXIT.unreachable);
    assert.match(r.stderr, /no pending pairing request "00000000-0000-4000-8000-000000000000"/);
    const none = await cli("pair", "approve");
    assertExit(none, EXIT.usage);
    assert.match(none.stderr, /^clawdbot: name a request id .* or pass --latest$/m);
  });

  test("a request id may be shortened to any unambiguous prefix", async () => {
    const { request } = await (await storeAt(-400)).requestPairing(claim("device-p"), false);
    const r = await cli("pair", "approve", request.requestId.slice(0, 6));
    assertExit(r, EXIT.ok);
    assert.ok(r.stdout.includes(request.requestId), r.stdout);
    assert.ok((await DeviceStore.open(stateDir, Date.now)).get("device-p"));
  });

  test("an explicit --url that is unreachable does not fall back to the store: exit 3, the request stays pending", async () => {
    const { request } = await (await storeAt(-500)).requestPairing(claim("device-c"), false);
    const r = await runCli(["pair", "approve", request.requestId, "--url", env["CLAWDBOT_GATEWAY_URL"]!], stateDir);
    assertExit(r, EXIT.unreachable);
    const store = await DeviceStore.open(stateDir, Date.now);
    assert.equal(store.get("device-c"), undefined);
    assert.ok(store.getPending(request.requestId));
  });
});
