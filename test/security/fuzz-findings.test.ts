// Answers the protocol fuzzer questioned, pinned over the wire: every answer is a typed protocol
// error or a result that matches the method's result schema (the reference gateway's shapes).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { METHODS, check, formatIssues, isMethodName } from "@clawdbot/protocol";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw, type Frame, type RawClient } from "../support/raw-client.js";

async function setup(t: TestContext): Promise<{ gw: TestGateway; c: RawClient }> {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url);
  assert.equal(res.ok, true, JSON.stringify(res));
  t.after(() => client.close());
  return { gw, c: client };
}

/** The payload of a successful answer, checked against the method's result schema. */
function result<T>(method: string, res: Frame): T {
  assert.equal(res.ok, true, `${method}: ${JSON.stringify(res)}`);
  assert.ok(isMethodName(method), method);
  const r = check(METHODS[method].result, res.payload);
  assert.ok(r.ok, `${method} result off-schema: ${r.ok ? "" : formatIssues(r.issues)}: ${JSON.stringify(res.payload)}`);
  return res.payload as T;
}

function refused(res: Frame, code: string, message: RegExp): void {
  assert.equal(res.ok, false, JSON.stringify(res));
  assert.equal(res.error?.code, code, JSON.stringify(res));
  assert.match(res.error?.message ?? "", message);
}

/** Lines the gateway logged at level error or above (pino levels 50, 60). */
function errorLines(gw: TestGateway): string[] {
  return gw.logs.tail(undefined, 5000, 1 << 22).lines.filter((l) => /"level":(50|60)/.test(l));
}

test("canvas.delete on a folder → INVALID_REQUEST naming it, the folder and its files stay, nothing logged as a failure", async (t) => {
  const { gw, c } = await setup(t);
  result("canvas.write", await c.request("canvas.write", { path: "dir/a.html", content: "<p>a</p>" }));
  for (const path of ["dir", "dir/", "/dir"]) refused(await c.request("canvas.delete", { path }), "INVALID_REQUEST", /is a folder/);
  const list = result<{ files: { path: string }[] }>("canvas.list", await c.request("canvas.list", {}));
  assert.deepEqual(list.files.map((f) => f.path), ["dir/a.html"]);
  assert.deepEqual(errorLines(gw), []);
  // Files, missing files and symlinks are unaffected: a symlink to a folder is removed itself.
  assert.equal(result<{ deleted: boolean }>("canvas.delete", await c.request("canvas.delete", { path: "dir/a.html" })).deleted, true);
  assert.equal(result<{ deleted: boolean }>("canvas.delete", await c.request("canvas.delete", { path: "dir/a.html" })).deleted, false);
  const target = join(gw.stateDir, "kept");
  await mkdir(target);
  await writeFile(join(target, "f.txt"), "kept");
  await symlink(target, join(gw.stateDir, "canvas", "main", "link"));
  assert.equal(result<{ deleted: boolean }>("canvas.delete", await c.request("canvas.delete", { path: "link" })).deleted, true);
  assert.equal(await readFile(join(target, "f.txt"), "utf8"), "kept");
  // The same folder refused by canvas.write (the one message for both).
  refused(await c.request("canvas.write", { path: "dir", content: "x" }), "INVALID_REQUEST", /is a folder/);
});

test("chat.abort: params as the reference (sessionKey required, runId optional), result {ok, aborted, runIds}", async (t) => {
  const { c } = await setup(t);
  refused(await c.request("chat.abort"), "INVALID_REQUEST", /sessionKey/);
  refused(await c.request("chat.abort", {}), "INVALID_REQUEST", /sessionKey/);
  refused(await c.request("chat.abort", { runId: "r1" }), "INVALID_REQUEST", /sessionKey/);
  refused(await c.request("chat.abort", { sessionKey: "main", extra: 1 }), "INVALID_REQUEST", /extra/);
  assert.deepEqual(result("chat.abort", await c.request("chat.abort", { sessionKey: "main" })), { ok: true, aborted: false, runIds: [] });
  // An unknown (or finished) run is simply not aborted.
  assert.deepEqual(result("chat.abort", await c.request("chat.abort", { sessionKey: "main", runId: "no-such-run" })), { ok: true, aborted: false, runIds: [] });
});

test("node.pair.reject answers {requestId, nodeId} (the reference's shape); an unknown request is NOT_FOUND", async (t) => {
  const { c } = await setup(t);
  const { request } = result<{ request: { requestId: string } }>("node.pair.request", await c.request("node.pair.request", { nodeId: "fuzz-node-1", displayName: "n" }));
  const rejected = result("node.pair.reject", await c.request("node.pair.reject", { requestId: request.requestId }));
  assert.deepEqual(rejected, { requestId: request.requestId, nodeId: "fuzz-node-1" });
  refused(await c.request("node.pair.reject", { requestId: request.requestId }), "NOT_FOUND", /no pending node pairing request/);
  refused(await c.request("node.pair.reject", {}), "INVALID_REQUEST", /requestId/);
});
