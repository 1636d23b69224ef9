// Canvas containment against symlinks: every path is checked below the canvas root's real path one
// component at a time; a symlinked session folder is never served, and canvas writes, deletes and
// listings never pass through a symlink.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { GatewayError } from "../../sidecar/src/errors.js";
import { rawRequest, startHost, type TestHost } from "./support/host.js";

interface Fixture extends TestHost {
  outside: string;
  marker: string;
}

async function fixture(t: TestContext): Promise<Fixture> {
  const h = await startHost(t);
  const outside = await mkdtemp(join(tmpdir(), "clawdbot-outside-"));
  t.after(() => rm(outside, { recursive: true, force: true }));
  const marker = `SECRET-${randomBytes(6).toString("hex")}`;
  await writeFile(join(outside, "secret.txt"), marker);
  await writeFile(join(outside, "index.html"), `<h1>${marker}</h1>`);
  await h.files.write("main", "real.txt", Buffer.from("inside"));
  return { ...h, outside, marker };
}

async function refusedParams(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(
    () => assert.fail("expected a refusal"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GatewayError, String(err));
  assert.equal(err.reason, "params_invalid", err.message);
  return err;
}

test("a session folder that is a symlink out of the canvas root is not served (files, index, listing)", async (t) => {
  const f = await fixture(t);
  await symlink(f.outside, join(f.files.root, "linked"));
  for (const path of ["/linked/secret.txt", "/linked/index.html", "/linked/"]) {
    const res = await rawRequest(f.port, path);
    assert.ok(!res.text.includes(f.marker), `${path} leaked: ${res.status}`);
    assert.equal(res.status, 404, `${path}: ${res.status}`);
  }
  assert.ok(f.lines.some((l) => l.level === 40 && /outside the session folder/.test(l.msg)), "the refusal is logged");
});

test("a session folder symlinked to another session is not served either", async (t) => {
  const f = await fixture(t);
  await symlink(join(f.files.root, "main"), join(f.files.root, "alias"));
  assert.equal((await rawRequest(f.port, "/alias/real.txt")).status, 404);
  assert.equal((await rawRequest(f.port, "/main/real.txt")).text, "inside");
});

test("a link that leaves the session and comes back in is refused at the component that leaves", async (t) => {
  const f = await fixture(t);
  await mkdir(join(f.outside, "hop"));
  await symlink(join(f.files.sessionDir("main"), "real.txt"), join(f.outside, "hop", "back.txt"));
  await symlink(join(f.outside, "hop"), join(f.files.sessionDir("main"), "out"));
  assert.equal((await rawRequest(f.port, "/main/out/back.txt")).status, 404);
});

test("canvas.write never follows a symlink: a symlinked session folder, subfolder or file is refused and nothing lands outside", async (t) => {
  const f = await fixture(t);
  await symlink(f.outside, join(f.files.root, "linked"));
  await symlink(f.outside, join(f.files.sessionDir("main"), "linkdir"));
  await symlink(join(f.outside, "secret.txt"), join(f.files.sessionDir("main"), "leak.txt"));
  const before = (await readdir(f.outside)).sort();
  let err = await refusedParams(f.files.write("linked", "pwned.html", Buffer.from("x")));
  assert.match(err.message, /symlink/);
  await refusedParams(f.files.write("linked", "deep/pwned.html", Buffer.from("x")));
  await refusedParams(f.files.write("main", "linkdir/pwned.html", Buffer.from("x")));
  await refusedParams(f.files.write("main", "linkdir/sub/pwned.html", Buffer.from("x")));
  err = await refusedParams(f.files.write("main", "leak.txt", Buffer.from("overwritten")));
  assert.match(err.message, /symlink/);
  assert.deepEqual((await readdir(f.outside)).sort(), before, "nothing was created outside the canvas root");
  assert.equal(await readFile(join(f.outside, "secret.txt"), "utf8"), f.marker, "the link target is untouched");
  // Ordinary writes still work, creating folders as needed.
  assert.equal(await f.files.write("main", "a/b/c.txt", Buffer.from("ok")), 2);
  assert.equal((await rawRequest(f.port, "/main/a/b/c.txt")).text, "ok");
});

test("canvas.delete never passes through a symlinked folder; a symlink itself is removed, not its target", async (t) => {
  const f = await fixture(t);
  await symlink(f.outside, join(f.files.root, "linked"));
  await symlink(f.outside, join(f.files.sessionDir("main"), "linkdir"));
  await symlink(join(f.outside, "secret.txt"), join(f.files.sessionDir("main"), "leak.txt"));
  await refusedParams(f.files.delete("linked", "secret.txt"));
  await refusedParams(f.files.delete("main", "linkdir/secret.txt"));
  assert.equal(await f.files.delete("main", "leak.txt"), true);
  assert.equal(await readFile(join(f.outside, "secret.txt"), "utf8"), f.marker);
});

test("canvas.list lists neither a symlinked session folder nor anything behind a symlink", async (t) => {
  const f = await fixture(t);
  await symlink(f.outside, join(f.files.root, "linked"));
  await symlink(f.outside, join(f.files.sessionDir("main"), "linkdir"));
  await symlink(join(f.outside, "secret.txt"), join(f.files.sessionDir("main"), "leak.txt"));
  assert.deepEqual(await f.files.list("linked"), []);
  assert.deepEqual(
    (await f.files.list("main")).map((e) => e.path),
    ["real.txt"],
  );
});
