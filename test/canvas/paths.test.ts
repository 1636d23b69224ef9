// routeOf: the canvas host's request paths decided from the raw target alone, no file system.
import { test } from "node:test";
import assert from "node:assert/strict";
import { routeOf } from "../../sidecar/src/canvas/request-path.js";
import { contentTypeOf } from "../../sidecar/src/canvas/mime.js";
import { injectLiveReload, liveScriptTag } from "../../sidecar/src/canvas/live-reload.js";

test("session paths become a session name and clean, decoded segments", () => {
  assert.deepEqual(routeOf("/main/"), { kind: "session", session: "main", segments: [], directory: true });
  assert.deepEqual(routeOf("/main/index.html"), { kind: "session", session: "main", segments: ["index.html"], directory: false });
  assert.deepEqual(routeOf("/main/img/a%20b.png?v=2#x"), { kind: "session", session: "main", segments: ["img", "a b.png"], directory: false });
  assert.deepEqual(routeOf("/my_s-1.x/sub/"), { kind: "session", session: "my_s-1.x", segments: ["sub"], directory: true });
});

test("a session without its slash and the A2UI page without its slash redirect, keeping the query", () => {
  assert.deepEqual(routeOf("/main"), { kind: "redirect", location: "/main/" });
  assert.deepEqual(routeOf("/main?x=1"), { kind: "redirect", location: "/main/?x=1" });
  assert.deepEqual(routeOf("/__clawdbot__/a2ui"), { kind: "redirect", location: "/__clawdbot__/a2ui/" });
  assert.deepEqual(routeOf("/"), { kind: "redirect", location: "/main/" }, "the bare host opens the main session");
  assert.deepEqual(routeOf("/?x=1"), { kind: "redirect", location: "/main/?x=1" });
  assert.equal(routeOf("//etc/passwd").kind, "refused");
});

test("the host's own resources live under /__clawdbot__/ and nothing else does", () => {
  assert.deepEqual(routeOf("/__clawdbot__/live.js"), { kind: "internal", name: "live.js" });
  assert.deepEqual(routeOf("/__clawdbot__/ws?session=main"), { kind: "internal", name: "ws" });
  assert.deepEqual(routeOf("/__clawdbot__/a2ui/"), { kind: "internal", name: "a2ui.html" });
  assert.deepEqual(routeOf("/__clawdbot__/a2ui/index.html"), { kind: "internal", name: "a2ui.html" });
  assert.deepEqual(routeOf("/__clawdbot__/a2ui/a2ui.js"), { kind: "internal", name: "a2ui.js" });
  assert.deepEqual(routeOf("/%5f_clawdbot__/live.js"), { kind: "internal", name: "live.js" });
  for (const p of ["/__clawdbot__/", "/__clawdbot__/nope.js", "/__clawdbot__/a2ui/../live.js", "/__clawdbot__/a2ui/app.js"]) {
    assert.equal(routeOf(p).kind, "refused", p);
  }
});

test("traversal, encoded separators, backslashes, NUL and hidden names are refused with 404 or 400", () => {
  const cases: [string, 400 | 404][] = [
    ["/main/../secret", 404],
    ["/main/./index.html", 404],
    ["/main/%2e%2e/secret", 404],
    ["/main/%2E%2E/secret", 404],
    ["/main/.%2e/secret", 404],
    ["/../main/index.html", 404],
    ["/main/..%2fsecret", 400],
    ["/main/%2e%2e%2f..%2fetc/passwd", 400],
    ["/main/a%2Fb", 400],
    ["/main/..\\secret", 400],
    ["/main/..%5csecret", 400],
    ["/main/..%5Csecret", 400],
    ["/main/\\..\\..\\secret", 400],
    ["/main/index.html%00.png", 400],
    ["/main/bad%zzname", 400],
    ["/main/%E0%A4%A", 400],
    ["/main/.env", 404],
    ["/main/.git/config", 404],
    ["/main//index.html", 404],
    ["/.hidden/", 404],
    ["/../", 404],
    ["//main/", 404],
    ["http://127.0.0.1/main/", 400],
    ["*", 400],
  ];
  for (const [path, status] of cases) {
    const r = routeOf(path);
    assert.equal(r.kind, "refused", `${path} must be refused, got ${JSON.stringify(r)}`);
    assert.equal(r.kind === "refused" && r.status, status, `${path} → ${status}`);
  }
});

test("content types by extension, case-insensitive; unknown is application/octet-stream", () => {
  const expected: Record<string, string> = {
    "a.html": "text/html; charset=utf-8",
    "A.HTM": "text/html; charset=utf-8",
    "a.js": "text/javascript; charset=utf-8",
    "a.mjs": "text/javascript; charset=utf-8",
    "a.css": "text/css; charset=utf-8",
    "a.json": "application/json; charset=utf-8",
    "a.svg": "image/svg+xml",
    "a.png": "image/png",
    "a.jpg": "image/jpeg",
    "a.JPEG": "image/jpeg",
    "a.gif": "image/gif",
    "a.webp": "image/webp",
    "a.ico": "image/x-icon",
    "a.wasm": "application/wasm",
    "a.txt": "text/plain; charset=utf-8",
    "a.woff2": "font/woff2",
    "a.bin": "application/octet-stream",
    "Makefile": "application/octet-stream",
    "a.html.exe": "application/octet-stream",
  };
  for (const [name, type] of Object.entries(expected)) assert.equal(contentTypeOf(name), type, name);
});

test("the live-reload script, with the session version, goes before the last </body>, or at the end without one", () => {
  const tag = liveScriptTag("ab12.0.3");
  assert.equal(tag, '<script src="/__clawdbot__/live.js" data-version="ab12.0.3"></script>');
  assert.equal(injectLiveReload("<body><p>x</p></body></html>", "ab12.0.3"), `<body><p>x</p>${tag}\n</body></html>`);
  assert.equal(injectLiveReload("<BODY>a</BODY >b</Body>", "ab12.0.3"), `<BODY>a</BODY >b${tag}\n</Body>`);
  assert.equal(injectLiveReload("<h1>bare</h1>", "ab12.0.3"), `<h1>bare</h1>\n${tag}\n`);
});
