// V8 keeps the source text of every loaded module; a single non-ASCII character (say, in a comment)
// makes it keep the whole text at two bytes per character. The bundles a start loads stay ASCII
// and carry no comments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

async function bundles(): Promise<string[]> {
  const dist = `${root}sidecar/dist/`;
  const cli = `${root}cli/dist/`;
  const chunks = (await readdir(dist)).filter((n) => /^bundle.*\.js$/.test(n)).map((n) => dist + n);
  const lean = (await readdir(cli)).filter((n) => /^lean.*\.js$/.test(n)).map((n) => cli + n);
  return [...chunks, ...lean];
}

test("the gateway bundle, the CLI's lean bundle and their chunks are ASCII-only, without comments or indentation", async () => {
  const files = await bundles();
  assert.ok(files.some((f) => f.endsWith("/sidecar/dist/bundle.js")), "build first: sidecar/dist/bundle.js is missing");
  for (const file of files) {
    const text = await readFile(file, "latin1");
    const at = text.search(/[^\x00-\x7f]/);
    assert.equal(at, -1, `${file} has a non-ASCII byte near: ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 20))}`);
    assert.doesNotMatch(text, /\n\s+\/\*\*/, `${file} keeps doc comments`);
    assert.doesNotMatch(text, /\n {4}\S/, `${file} keeps indentation`);
  }
});
