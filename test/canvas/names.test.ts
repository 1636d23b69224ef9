// Canvas names the file system cannot hold are refused as invalid params before any write:
// a name over MAX_CANVAS_NAME_BYTES (the atomic write puts a longer temporary name beside it) or a
// path over MAX_CANVAS_PATH_BYTES. Nothing is logged as an error and nothing is left behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CanvasFiles, MAX_CANVAS_NAME_BYTES, MAX_CANVAS_PATH_BYTES } from "../../sidecar/src/canvas/files.js";
import { GatewayError } from "../../sidecar/src/errors.js";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";

function refusedAsParams(err: unknown): boolean {
  return err instanceof GatewayError && err.reason === "params_invalid";
}

test("names up to the limit are written; longer names, multi-byte ones included, and over-long paths are refused", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "canvas-names-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const files = new CanvasFiles(dir);
  const longest = "a".repeat(MAX_CANVAS_NAME_BYTES);
  assert.equal(await files.write("main", longest, Buffer.from("x")), 1);
  const folder = "b".repeat(MAX_CANVAS_NAME_BYTES);
  assert.equal(await files.write("main", `${folder}/${longest}`, Buffer.from("y")), 1);
  await assert.rejects(files.write("main", "a".repeat(MAX_CANVAS_NAME_BYTES + 1), Buffer.from("x")), refusedAsParams);
  await assert.rejects(files.write("main", `sub/${"é".repeat(MAX_CANVAS_NAME_BYTES / 2 + 1)}`, Buffer.from("x")), refusedAsParams);
  await assert.rejects(files.write("s".repeat(MAX_CANVAS_NAME_BYTES + 1), "a.txt", Buffer.from("x")), refusedAsParams);
  const deep = Array.from({ length: Math.ceil(MAX_CANVAS_PATH_BYTES / 100) + 1 }, () => "d".repeat(99)).join("/");
  await assert.rejects(files.write("main", `${deep}/a.txt`, Buffer.from("x")), refusedAsParams);
  await assert.rejects(files.delete("main", "c".repeat(300)), refusedAsParams);
  // Only the two accepted writes landed; no temporary file was left.
  assert.deepEqual((await readdir(join(dir, "canvas", "main"))).sort(), [longest, folder].sort());
  assert.deepEqual((await readdir(join(dir, "canvas", "main", folder))).sort(), [longest]);
  assert.deepEqual((await files.list("main")).map((f) => f.path).sort(), [longest, `${folder}/${longest}`].sort());
});

test("over the wire: canvas.write with a 300-byte file name answers INVALID_REQUEST and logs no error", async (t) => {
  const gw = await startGateway({});
  t.after(() => gw.stop());
  const { client } = await connectRaw(gw.url, { scopes: ["operator.admin"] });
  t.after(() => client.close());
  const res = await client.request("canvas.write", { session: "main", path: `${"x".repeat(300)}.html`, content: "<p>hi</p>" });
  assert.equal(res.ok, false);
  assert.equal(res.error?.code, "INVALID_REQUEST");
  assert.match(res.error?.message ?? "", /at most 200 per file or folder/);
  assert.equal((await client.request("canvas.write", { session: "main", path: "ok.html", content: "<p>ok</p>" })).ok, true);
  const errors = gw.logs.tail(undefined, 5000, 50_000_000).lines.filter((l) => l.includes('"level":"error"') || l.includes('"level":50'));
  assert.deepEqual(errors, []);
});
