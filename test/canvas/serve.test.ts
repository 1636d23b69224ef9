// The canvas host over real sockets: containment (dot segments, encodings, symlinks), content
// types and headers, the scaffold page, live-reload injection, methods, HEAD, ETag, TLS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { loadTls } from "../../sidecar/src/server/tls.js";
import { CanvasHost } from "../../sidecar/src/canvas/host.js";
import { memoryLogger, rawRequest, startHost, type TestHost } from "./support/host.js";

/** The injected live-reload tag (its version varies) shown as <LIVE>. */
const live = (html: string) => html.replace(/<script src="\/__clawdbot__\/live\.js" data-version="[0-9a-f]+\.\d+\.\d+"><\/script>/g, "<LIVE>");

/** A host whose state dir holds secrets next to the canvas, and links from `main` pointing out. */
async function hostWithSecrets(t: import("node:test").TestContext): Promise<TestHost & { marker: string }> {
  const h = await startHost(t);
  const marker = `TOP-SECRET-${randomBytes(8).toString("hex")}`;
  const outside = await mkdtemp(join(tmpdir(), "clawdbot-outside-"));
  t.after(() => rm(outside, { recursive: true, force: true }));
  await writeFile(join(h.stateDir, "secret"), marker);
  await writeFile(join(h.stateDir, "secret.txt"), marker);
  await writeFile(join(h.files.root, "secret"), marker);
  await writeFile(join(outside, "secret.txt"), marker);
  await h.files.write("main", "index.html", Buffer.from("<html><body><h1>main page</h1></body></html>"));
  await h.files.write("main", "real.txt", Buffer.from("inside text"));
  await h.files.write("other", "private.txt", Buffer.from(marker));
  const main = h.files.sessionDir("main");
  await symlink(join(outside, "secret.txt"), join(main, "leak.txt"));
  await symlink(outside, join(main, "linkdir"));
  await symlink(join(h.stateDir, "secret.txt"), join(main, "up.txt"));
  await symlink("../other/private.txt", join(main, "sibling.txt"));
  await symlink("real.txt", join(main, "alias.txt"));
  return { ...h, marker };
}

test("traversal in every spelling is refused and no response ever carries the secret", async (t) => {
  const h = await hostWithSecrets(t);
  const cases: [string, number][] = [
    ["/main/../secret", 404],
    ["/main/../secret.txt", 404],
    ["/main/../../secret.txt", 404],
    ["/main/%2e%2e/secret", 404],
    ["/main/%2E%2E/%2e%2e/secret.txt", 404],
    ["/main/..%2fsecret", 400],
    ["/main/..%2F..%2Fsecret.txt", 400],
    ["/main/%2e%2e%2f..%2fetc/passwd", 400],
    ["/main/../../../../../../etc/passwd", 404],
    ["/main/..\\secret", 400],
    ["/main/..%5csecret", 400],
    ["/main/..%5C..%5Csecret.txt", 400],
    ["/main/%00/../secret", 400],
    ["/main/../other/private.txt", 404],
    ["/other/../main/real.txt", 404],
    ["/../secret", 404],
    ["/%2e%2e/secret", 404],
    ["/main/.%2e/secret", 404],
  ];
  for (const [path, status] of cases) {
    const res = await rawRequest(h.port, path);
    assert.equal(res.status, status, `${path} → ${status}, got ${res.status}: ${res.text}`);
    assert.ok(!res.text.includes(h.marker), `${path} leaked the secret`);
    assert.ok(!res.text.includes("root:"), `${path} leaked /etc/passwd`);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  }
});

test("symlinks resolving outside the session folder are refused (and logged); links inside it are served", async (t) => {
  const h = await hostWithSecrets(t);
  for (const path of ["/main/leak.txt", "/main/linkdir/secret.txt", "/main/linkdir/", "/main/up.txt", "/main/sibling.txt"]) {
    const res = await rawRequest(h.port, path);
    assert.equal(res.status, 404, `${path}: ${res.status} ${res.text}`);
    assert.ok(!res.text.includes(h.marker), `${path} leaked the secret`);
  }
  const warned = h.lines.filter((l) => l.level === 40 && /outside the session folder/.test(l.msg)).map((l) => l.path);
  assert.deepEqual(
    warned.map((p) => String(p).slice(h.files.sessionDir("main").length + 1)),
    ["leak.txt", "linkdir/secret.txt", "linkdir", "up.txt", "sibling.txt"],
  );
  const alias = await rawRequest(h.port, "/main/alias.txt");
  assert.equal(alias.status, 200);
  assert.equal(alias.text, "inside text");
  assert.equal((await rawRequest(h.port, "/other/private.txt")).text, h.marker, "a session's own files are served");
});

test("an index.html symlinked out of the session is not served: the session shows the scaffold", async (t) => {
  const h = await hostWithSecrets(t);
  await rm(join(h.files.sessionDir("main"), "index.html"));
  await symlink(join(h.stateDir, "secret.txt"), join(h.files.sessionDir("main"), "index.html"));
  const res = await rawRequest(h.port, "/main/");
  assert.equal(res.status, 200);
  assert.ok(!res.text.includes(h.marker));
  assert.match(res.text, /This canvas is empty/);
  assert.equal((await rawRequest(h.port, "/main/index.html")).status, 404);
});

test("session files carry their content type, nosniff, no-cache and their exact bytes", async (t) => {
  const h = await startHost(t);
  const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
  const files: [string, Buffer, string][] = [
    ["app.js", Buffer.from("console.log(1);\n"), "text/javascript; charset=utf-8"],
    ["mod.mjs", Buffer.from("export const a = 1;\n"), "text/javascript; charset=utf-8"],
    ["style.css", Buffer.from("body{color:red}\n"), "text/css; charset=utf-8"],
    ["data.json", Buffer.from('{"a":1}\n'), "application/json; charset=utf-8"],
    ["img/logo.svg", Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), "image/svg+xml"],
    ["img/pic.png", png, "image/png"],
    ["img/photo.JPG", Buffer.from([0xff, 0xd8, 0xff, 0xe0]), "image/jpeg"],
    ["img/anim.gif", Buffer.from("GIF89a"), "image/gif"],
    ["img/pic.webp", Buffer.from("RIFF0000WEBP"), "image/webp"],
    ["favicon.ico", Buffer.from([0, 0, 1, 0]), "image/x-icon"],
    ["lib.wasm", Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), "application/wasm"],
    ["notes.txt", Buffer.from("plain words\n"), "text/plain; charset=utf-8"],
    ["font.woff2", Buffer.from("wOF2"), "font/woff2"],
    ["blob.bin", Buffer.from([1, 2, 3]), "application/octet-stream"],
    ["README", Buffer.from("no extension"), "application/octet-stream"],
  ];
  for (const [path, data] of files) await h.files.write("main", path, data);
  for (const [path, data, type] of files) {
    const res = await rawRequest(h.port, `/main/${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers["content-type"], type, path);
    assert.equal(res.headers["x-content-type-options"], "nosniff", path);
    assert.equal(res.headers["cache-control"], "no-cache", path);
    assert.equal(res.headers["content-length"], String(data.length), path);
    assert.deepEqual(res.body, data, path);
  }
  const spaced = await h.files.write("main", "with space.txt", Buffer.from("spaced"));
  assert.equal(spaced, 6);
  assert.equal((await rawRequest(h.port, "/main/with%20space.txt")).text, "spaced");
});

test("a session without index.html shows the scaffold page, with the live-reload script", async (t) => {
  const h = await startHost(t);
  for (const session of ["fresh", "main"]) {
    if (session === "main") await h.files.write("main", "notes.txt", Buffer.from("x"));
    const res = await rawRequest(h.port, `/${session}/`);
    assert.equal(res.status, 200, session);
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.match(res.text, /This canvas is empty/);
    assert.match(res.text, new RegExp(`data-session="${session}"`));
    assert.match(res.text, /canvas\.write/);
    assert.ok(live(res.text).includes("<LIVE>\n</body>"), "the script sits before </body>");
    assert.ok(!res.text.includes(h.stateDir), "the scaffold does not reveal the state dir path");
  }
  const redirect = await rawRequest(h.port, "/fresh?x=1");
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, "/fresh/?x=1");
  assert.equal((await rawRequest(h.port, "/fresh/missing.html")).status, 404);
});

test("index.html is served with the live-reload script injected; subfolders redirect to their slash", async (t) => {
  const h = await startHost(t);
  const page = "<!doctype html><html><body><h1>Hello canvas</h1></body></html>";
  await h.files.write("main", "index.html", Buffer.from(page));
  await h.files.write("main", "bare.html", Buffer.from("<p>no body tag</p>"));
  await h.files.write("main", "sub/index.html", Buffer.from("<body>sub page</body>"));
  await h.files.write("main", "empty/readme.txt", Buffer.from("no index here"));

  for (const path of ["/main/", "/main/index.html"]) {
    const res = await rawRequest(h.port, path);
    assert.equal(res.status, 200);
    assert.equal(live(res.text), "<!doctype html><html><body><h1>Hello canvas</h1><LIVE>\n</body></html>", path);
    assert.equal(res.headers["content-length"], String(Buffer.byteLength(res.text)));
  }
  assert.equal(live((await rawRequest(h.port, "/main/bare.html")).text), "<p>no body tag</p>\n<LIVE>\n");
  const sub = await rawRequest(h.port, "/main/sub?q=1");
  assert.equal(sub.status, 301);
  assert.equal(sub.headers.location, "/main/sub/?q=1");
  assert.equal(live((await rawRequest(h.port, "/main/sub/")).text), "<body>sub page<LIVE>\n</body>");
  assert.equal((await rawRequest(h.port, "/main/empty/")).status, 404, "only the session root falls back to the scaffold");
  assert.equal((await rawRequest(h.port, "/main/index.html/")).status, 404, "a file is not a folder");
});

test("only GET and HEAD: other methods get 405 with Allow; HEAD has GET's headers and no body", async (t) => {
  const h = await startHost(t);
  await h.files.write("main", "index.html", Buffer.from("<body>x</body>"));
  await h.files.write("main", "pic.png", Buffer.from("png bytes"));
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const res = await rawRequest(h.port, "/main/index.html", { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.allow, "GET, HEAD", method);
  }
  assert.equal((await rawRequest(h.port, "/__clawdbot__/live.js", { method: "POST" })).status, 405);
  for (const path of ["/main/", "/main/pic.png", "/nothing/", "/__clawdbot__/live.js"]) {
    const get = await rawRequest(h.port, path);
    const head = await rawRequest(h.port, path, { method: "HEAD" });
    assert.equal(head.status, 200, path);
    assert.equal(head.body.length, 0, path);
    assert.equal(head.headers["content-length"], get.headers["content-length"], path);
    assert.equal(head.headers["content-type"], get.headers["content-type"], path);
  }
});

test("a repeated request with the file's ETag gets 304 until the file changes", async (t) => {
  const h = await startHost(t);
  await h.files.write("main", "data.json", Buffer.from('{"v":1}'));
  const first = await rawRequest(h.port, "/main/data.json");
  const etag = first.headers.etag;
  assert.ok(etag);
  const again = await rawRequest(h.port, "/main/data.json", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  await h.files.write("main", "data.json", Buffer.from('{"v":22}'));
  const changed = await rawRequest(h.port, "/main/data.json", { headers: { "if-none-match": etag } });
  assert.equal(changed.status, 200);
  assert.equal(changed.text, '{"v":22}');
});

test("the host's own resources: live.js, the WebSocket path without upgrade, and A2UI without its bundle", async (t) => {
  const h = await startHost(t, { a2uiBundle: join(tmpdir(), "clawdbot-no-such-bundle", "a2ui.js") });
  const live = await rawRequest(h.port, "/__clawdbot__/live.js");
  assert.equal(live.status, 200);
  assert.equal(live.headers["content-type"], "text/javascript; charset=utf-8");
  assert.match(live.text, /__clawdbot__\/ws\?session=/);
  assert.equal((await rawRequest(h.port, "/__clawdbot__/ws")).status, 426);
  const a2ui = await rawRequest(h.port, "/__clawdbot__/a2ui/");
  assert.equal(a2ui.status, 503);
  assert.match(a2ui.text, /build-a2ui\.mjs/);
  assert.equal((await rawRequest(h.port, "/__clawdbot__/a2ui/a2ui.js")).status, 503);
  assert.equal((await rawRequest(h.port, "/__clawdbot__/a2ui")).headers.location, "/__clawdbot__/a2ui/");
  assert.ok(h.lines.some((l) => l.level === 40 && /A2UI renderer bundle missing/.test(l.msg)));
  const bare = await rawRequest(h.port, "/");
  assert.deepEqual([bare.status, bare.headers.location], [301, "/main/"], "the bare host sends a person to the main canvas");
});

test("with TLS the host serves https:// with the given certificate", async (t) => {
  const tlsDir = await mkdtemp(join(tmpdir(), "clawdbot-canvas-tls-"));
  t.after(() => rm(tlsDir, { recursive: true, force: true }));
  const tls = await loadTls(tlsDir, {});
  const h = await startHost(t, { tls: { cert: tls.cert, key: tls.key } });
  assert.match(h.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  await h.files.write("main", "index.html", Buffer.from("<body>secure canvas</body>"));
  const res = await rawRequest(h.port, "/main/", { tls: { ca: tls.cert } });
  assert.equal(res.status, 200);
  assert.match(res.text, /secure canvas/);
  await assert.rejects(rawRequest(h.port, "/main/"), "plain HTTP on the TLS port does not get a page");
});

test("close() stops listening, may run twice, and works on a host that never listened", async (t) => {
  const h = await startHost(t);
  await mkdir(h.files.sessionDir("main"), { recursive: true });
  await h.host.close();
  await h.host.close();
  await assert.rejects(rawRequest(h.port, "/main/"), /ECONNREFUSED/);
  const idle = new CanvasHost({ files: h.files, host: "127.0.0.1", port: 0, log: memoryLogger().log });
  await idle.close();
});

test("a port already in use fails listen() with EADDRINUSE and leaves nothing running", async (t) => {
  const h = await startHost(t);
  const second = new CanvasHost({ files: h.files, host: "127.0.0.1", port: h.port, log: memoryLogger().log });
  await assert.rejects(second.listen(), /EADDRINUSE/);
  await second.close();
  assert.equal((await rawRequest(h.port, "/main/")).status, 200, "the first host still serves");
});
