// What the pairing stores leave on disk: modes 0600/0700, token hashes only, no temp or lock files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { DeviceStore, NodePairingStore } from "@clawdbot/sidecar";

const claim = (deviceId: string) => ({ deviceId, publicKey: `pk-${deviceId}`, role: "operator", scopes: ["operator.read", "operator.write"] });

async function tempState(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-files-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
const octal = (m: number) => `0${m.toString(8)}`;

/** Every encoding of a token that could end up in a file: as issued, its raw bytes as hex and as base64. */
function encodings(token: string): string[] {
  const raw = Buffer.from(token, "base64url");
  return [token, raw.toString("hex"), raw.toString("base64"), raw.toString("base64").replace(/=+$/, "")];
}

function assertNoPlaintext(text: string, token: string, where: string): void {
  for (const form of encodings(token)) assert.ok(!text.includes(form), `${where} contains the token (${form.slice(0, 8)}…)`);
}

/** Paired device "a" with a rotated operator token and a revoked node token; device "b" pending. Returns every token issued. */
async function exercise(store: DeviceStore): Promise<string[]> {
  await store.approve((await store.requestPairing(claim("a"), false)).request.requestId);
  await store.approve((await store.requestPairing({ ...claim("a"), role: "node", scopes: [] }, false)).request.requestId);
  const tokens = [
    (await store.issueToken("a", "operator", ["operator.read"])).token,
    (await store.issueToken("a", "operator", ["operator.read", "operator.write"])).token,
    (await store.issueToken("a", "node", [])).token,
  ];
  await store.revokeToken("a", "node");
  await store.requestPairing(claim("b"), false);
  return tokens;
}

test("devices/pairing.json is 0600 and devices/ is 0700 after the store creates them", async (t) => {
  const stateDir = await tempState(t);
  await exercise(await DeviceStore.open(stateDir, Date.now));
  assert.equal(octal(await modeOf(join(stateDir, "devices", "pairing.json"))), "0600");
  assert.equal(octal(await modeOf(join(stateDir, "devices"))), "0700");
});

test("a pre-existing pairing.json of mode 0644 is 0600 after the next change", async (t) => {
  const stateDir = await tempState(t);
  const path = join(stateDir, "devices", "pairing.json");
  await mkdir(join(stateDir, "devices"), { mode: 0o700 });
  await writeFile(path, JSON.stringify({ version: 1, paired: {}, pending: {} }));
  await chmod(path, 0o644);
  const store = await DeviceStore.open(stateDir, Date.now);
  await store.requestPairing(claim("a"), false);
  assert.equal(octal(await modeOf(path)), "0600");
});

test("issued device tokens are not in the file in any encoding; only 64-hex hashes are, and each still verifies", async (t) => {
  const stateDir = await tempState(t);
  const store = await DeviceStore.open(stateDir, Date.now);
  const tokens = await exercise(store);
  const text = await readFile(join(stateDir, "devices", "pairing.json"), "utf8");
  for (const token of tokens) assertNoPlaintext(text, token, "devices/pairing.json");
  const doc = JSON.parse(text) as { paired: Record<string, { tokens: Record<string, { hash: string }> }> };
  const hashes = Object.values(doc.paired).flatMap((d) => Object.values(d.tokens).map((r) => r.hash));
  assert.equal(hashes.length, 2);
  for (const h of hashes) assert.match(h, /^[0-9a-f]{64}$/);
  // The current operator token works from a fresh load of the file; the replaced and the revoked ones do not.
  const reopened = await DeviceStore.open(stateDir, Date.now);
  assert.deepEqual(reopened.verifyToken("a", "operator", tokens[1]!), ["operator.read", "operator.write"]);
  assert.equal(reopened.verifyToken("a", "operator", tokens[0]!), null);
  assert.equal(reopened.verifyToken("a", "node", tokens[2]!), null);
});

test("after normal operation devices/ holds only pairing.json: no temp files (.pairing.json.*.tmp), no lock", async (t) => {
  const stateDir = await tempState(t);
  const store = await DeviceStore.open(stateDir, Date.now);
  await exercise(store);
  // Concurrent changes from one store queue up behind each other; none leaves anything behind.
  await Promise.all(Array.from({ length: 10 }, (_, i) => store.requestPairing(claim(`c${i}`), false)));
  await store.reject(store.listPending()[0]!.requestId);
  assert.deepEqual(await readdir(join(stateDir, "devices")), ["pairing.json"]);
});

test("nodes/pairing.json: 0600 in a 0700 dir, the node token is not in it, no temp files", async (t) => {
  const stateDir = await tempState(t);
  const nodes = await NodePairingStore.open(stateDir, Date.now);
  const { request } = await nodes.request({ nodeId: "n1", displayName: "Kitchen" });
  const done = await nodes.approve(request.requestId);
  assert.ok(done);
  const path = join(stateDir, "nodes", "pairing.json");
  assert.equal(octal(await modeOf(path)), "0600");
  assert.equal(octal(await modeOf(join(stateDir, "nodes"))), "0700");
  assertNoPlaintext(await readFile(path, "utf8"), done.token, "nodes/pairing.json");
  assert.deepEqual(await readdir(join(stateDir, "nodes")), ["pairing.json"]);
  assert.equal((await NodePairingStore.open(stateDir, Date.now)).verify("n1", done.token)?.nodeId, "n1");
});
