// The WebChat file server on its own: what it answers, with which headers, and what it refuses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cp, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { contentSecurityPolicy, createWebchatHandler } from "../../sidecar/src/web/webchat.js";
import { rawGet, serveHandler } from "./support/serve.js";

const web = new URL("../../sidecar/web/", import.meta.url);
const bundles = new URL("../../sidecar/dist-web/", import.meta.url);

async function withServer(t: import("node:test").TestContext) {
  const srv = await serveHandler(createWebchatHandler());
  t.after(() => srv.close());
  return srv;
}

const index = new URL("webchat/index.html", web);
const PAGES: [string, string, URL][] = [
  ["/", "text/html; charset=utf-8", index],
  ["/chat", "text/html; charset=utf-8", index],
  ["/chat/", "text/html; charset=utf-8", index],
  ["/webchat/", "text/html; charset=utf-8", index],
  ["/?url=ws://evil.example/&token=x", "text/html; charset=utf-8", index],
  ["/webchat/app.js", "text/javascript; charset=utf-8", new URL("webchat.js", bundles)],
  ["/webchat/app.css", "text/css; charset=utf-8", new URL("webchat.css", bundles)],
  ["/webchat/icon.svg", "image/svg+xml", new URL("shared/icon.svg", web)],
];

test("each page file is served byte for byte with its content type and the security headers", async (t) => {
  const srv = await withServer(t);
  for (const [path, type, file] of PAGES) {
    const res = await rawGet(srv.port, path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers["content-type"], type, path);
    assert.equal(res.headers["cache-control"], "no-cache", path);
    assert.equal(res.headers["x-content-type-options"], "nosniff", path);
    assert.equal(res.headers["x-frame-options"], "DENY", path);
    assert.equal(res.headers["content-security-policy"], contentSecurityPolicy(`127.0.0.1:${srv.port}`), path);
    assert.deepEqual(res.body, readFileSync(file), path);
    assert.equal(res.headers["content-length"], String(res.body.length), path);
  }
});

test("the page is one bundled module: no other script, no inline script, no old per-module files", async (t) => {
  const srv = await withServer(t);
  const html = (await rawGet(srv.port, "/")).body.toString();
  assert.deepEqual([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]), ['<script src="/webchat/app.js" type="module">']);
  assert.doesNotMatch(html, /<script[^>]*>[^<]/, "no inline script");
  for (const gone of ["/webchat/client.js", "/webchat/identity.js", "/webchat/transcript.js", "/webchat/nacl.min.js", "/webchat/style.css"]) {
    assert.equal((await rawGet(srv.port, gone)).status, 404, gone);
  }
});

test("the CSP allows only this origin: scripts, styles, images, and sockets back to the page's own host", async (t) => {
  const srv = await withServer(t);
  const res = await rawGet(srv.port, "/");
  const csp = res.headers["content-security-policy"] ?? "";
  const directives = new Map(csp.split(/;\s*/).map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]));
  assert.equal(directives.get("default-src"), "'none'");
  assert.equal(directives.get("script-src"), "'self'");
  assert.equal(directives.get("style-src"), "'self'");
  assert.equal(directives.get("connect-src"), `'self' ws://127.0.0.1:${srv.port} wss://127.0.0.1:${srv.port}`);
  assert.equal(directives.get("frame-ancestors"), "'none'");
  assert.equal(directives.get("base-uri"), "'none'");
  assert.doesNotMatch(csp, /unsafe|\*|ws: |wss: |data:/);
});

test("a Host header that is not a plain host[:port] is never copied into the CSP", () => {
  assert.equal(contentSecurityPolicy("localhost:18789").includes("connect-src 'self' ws://localhost:18789 wss://localhost:18789;"), true);
  assert.equal(contentSecurityPolicy("[::1]:18789").includes("ws://[::1]:18789"), true);
  for (const bad of [undefined, "", "evil.example; script-src *", "a b", "x'y", "h:1/x", "h\r\nx: y"]) {
    assert.match(contentSecurityPolicy(bad), /connect-src 'self';/, String(bad));
  }
});

test("HEAD answers the headers without a body; a matching If-None-Match answers 304", async (t) => {
  const srv = await withServer(t);
  const head = await rawGet(srv.port, "/webchat/app.js", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers["content-type"], "text/javascript; charset=utf-8");
  const etag = head.headers["etag"];
  assert.match(etag ?? "", /^"[A-Za-z0-9_-]{22}"$/);
  const again = await rawGet(srv.port, "/webchat/app.js", { headers: { "if-none-match": etag! } });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers["cache-control"], "no-cache");
});

test("other methods on a page path answer 405 with Allow", async (t) => {
  const srv = await withServer(t);
  for (const method of ["POST", "PUT", "DELETE"]) {
    const res = await rawGet(srv.port, "/chat", { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers["allow"], "GET, HEAD");
  }
});

test("unknown paths under /webchat/ answer 404 from the handler", async (t) => {
  const srv = await withServer(t);
  for (const path of ["/webchat", "/webchat/nope.js", "/webchat/static.ts", "/webchat/index.htm", "/webchat/app.js/", "/webchat/APP.JS"]) {
    const res = await rawGet(srv.port, path);
    assert.equal(res.status, 404, path);
    assert.equal(res.handled, true, path);
    assert.equal(res.headers["x-content-type-options"], "nosniff", path);
    assert.equal(res.body.toString(), "not found\n", path);
  }
});

test("traversal attempts never reach the disk: 404 (or left to the gateway, which 404s), never a file", async (t) => {
  const srv = await withServer(t);
  const attempts = [
    "/webchat/../package.json",
    "/webchat/../../package.json",
    "/webchat/%2e%2e/package.json",
    "/webchat/%2E%2E/%2E%2E/package.json",
    "/webchat/..%2fpackage.json",
    "/webchat/..%5cpackage.json",
    "/webchat/....//package.json",
    "/webchat//etc/passwd",
    "/webchat/%00app.js",
    "/webchat/app.js%00",
    "/webchat/./app.js",
    "/webchat/%61pp.js",
    "/../package.json",
    "/%2e%2e/package.json",
    "/chat/../package.json",
    "//webchat/app.js",
    "/webchat\\..\\package.json",
  ];
  for (const path of attempts) {
    const res = await rawGet(srv.port, path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(res.body.toString(), /clawdbot|"name"|root:/, path);
  }
});

test("paths outside the page are left to the caller (the gateway's own routes)", async (t) => {
  const srv = await withServer(t);
  for (const path of ["/health", "/index.html", "/chatx", "/webchatx", "/api/x", "/chat/x"]) {
    const res = await rawGet(srv.port, path);
    assert.equal(res.handled, false, path);
  }
});

test("a missing asset folder fails at start-up, naming the file", () => {
  assert.throws(() => createWebchatHandler({ sourceDir: "/nonexistent/web" }), /webchat: cannot read \/nonexistent\/web\/\S+ \(ENOENT\); run `make build`/);
  assert.throws(() => createWebchatHandler({ bundleDir: "/nonexistent/dist-web" }), /webchat: cannot read \/nonexistent\/dist-web\/webchat\.js \(ENOENT\)/);
});

test("a page file is read when first asked for: one removed after start-up answers 503 until it is back, then is served", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-pages-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(fileURLToPath(bundles), dir, { recursive: true });
  const srv = await serveHandler(createWebchatHandler({ bundleDir: dir }));
  t.after(() => srv.close());
  const js = join(dir, "webchat.js");
  await rename(js, `${js}.away`);
  const gone = await rawGet(srv.port, "/webchat/app.js");
  assert.equal(gone.status, 503);
  assert.match(gone.body.toString(), /cannot read this page's file \(ENOENT\); run `make build`/);
  await writeFile(js, "// rebuilt\n");
  const back = await rawGet(srv.port, "/webchat/app.js");
  assert.equal(back.status, 200);
  assert.equal(back.body.toString(), "// rebuilt\n", "read at the first request that found it, not at start-up");
  await writeFile(js, "// rebuilt again\n");
  assert.equal((await rawGet(srv.port, "/webchat/app.js")).body.toString(), "// rebuilt\n", "then kept: one read per file");
});
