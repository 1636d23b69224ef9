// The Control UI's files on the gateway port: what is served at /control/, with which headers,
// and that the page is one module with no inline script and nothing from elsewhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startGateway } from "../support/gateway.js";
import { rawGet } from "../webchat/support/serve.js";
import { freePort, spawnGateway, tempDir } from "../cli/run-cli.js";
import { eventually } from "../support/wait.js";
import { controlUiPolicy } from "../../sidecar/src/web/control-ui.js";

const bundles = new URL("../../sidecar/dist-web/", import.meta.url);

test("/control/ serves the page, its bundle, stylesheet and icon with the strict CSP; /control redirects", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const files: [string, string][] = [
    ["/control/", "text/html; charset=utf-8"],
    ["/control/index.html", "text/html; charset=utf-8"],
    ["/control/?gatewayUrl=ws://evil.example/&token=x", "text/html; charset=utf-8"],
    ["/control/app.js", "text/javascript; charset=utf-8"],
    ["/control/app.css", "text/css; charset=utf-8"],
    ["/control/icon.svg", "image/svg+xml"],
  ];
  for (const [path, type] of files) {
    const res = await rawGet(gw.port, path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers["content-type"], type, path);
    assert.equal(res.headers["content-security-policy"], controlUiPolicy(`127.0.0.1:${gw.port}`), path);
    assert.equal(res.headers["x-frame-options"], "DENY", path);
    assert.equal(res.headers["x-content-type-options"], "nosniff", path);
    assert.equal(res.headers["referrer-policy"], "no-referrer", path);
  }
  assert.deepEqual((await rawGet(gw.port, "/control/app.js")).body, readFileSync(new URL("control.js", bundles)));
  const redirect = await rawGet(gw.port, "/control");
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers["location"], "/control/");
  for (const path of ["/control/nope.js", "/control/../package.json", "/control/%2e%2e/package.json", "/control/app.js/", "/control/client.js"]) {
    assert.equal((await rawGet(gw.port, path)).status, 404, path);
  }
  assert.equal((await rawGet(gw.port, "/control/", { method: "POST" })).status, 405);
  assert.equal((await rawGet(gw.port, "/")).status, 200, "WebChat stays at /");
});

test("the CSP: default-src 'self', no inline script or eval, data: only for images, sockets only home, no framing", () => {
  const csp = controlUiPolicy("127.0.0.1:18789");
  const d = new Map(csp.split(/;\s*/).map((x) => [x.split(" ")[0], x.split(" ").slice(1).join(" ")]));
  assert.equal(d.get("default-src"), "'self'");
  assert.equal(d.get("script-src"), "'self'");
  assert.equal(d.get("style-src"), "'self'");
  assert.equal(d.get("img-src"), "'self' data:");
  assert.equal(d.get("connect-src"), "'self' ws://127.0.0.1:18789 wss://127.0.0.1:18789");
  assert.equal(d.get("frame-ancestors"), "'none'");
  assert.equal(d.get("object-src"), "'none'");
  assert.equal(d.get("base-uri"), "'none'");
  assert.doesNotMatch(csp, /unsafe|\*|blob:/);
  assert.match(controlUiPolicy("evil.example; script-src *"), /connect-src 'self';/, "a crafted Host never reaches the policy");
});

test("the page is one module: no inline script, nothing from another origin, no eval in the bundle", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const html = (await rawGet(gw.port, "/control/")).body.toString();
  assert.deepEqual([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]), ['<script src="/control/app.js" type="module">']);
  assert.doesNotMatch(html, /<script[^>]*>[^<]/);
  assert.doesNotMatch(html, /https?:\/\/|\/\/[a-z]/i, "no absolute URLs (no CDN)");
  const js = (await rawGet(gw.port, "/control/app.js")).body.toString();
  assert.doesNotMatch(js, /https?:\/\/(?!www\.w3\.org|lit\.dev|github\.com)[a-z0-9.-]+\//i, "the bundle fetches nothing from elsewhere");
  assert.doesNotMatch(js, /new Function\(|\beval\(/, "nothing the CSP would have to allow");
  assert.doesNotMatch(js, /postMessage|addEventListener\("message"/, "nothing listens to postMessage");
  assert.doesNotMatch(js, /location\.(search|hash)\b[^;]*(token|gatewayUrl|password)/i);
});

test("`clawdbot gateway` prints the Control UI address, and that address serves the Control UI", async (t) => {
  const stateDir = await tempDir(t);
  const port = await freePort();
  const r = await spawnGateway(t, ["--port", String(port)], { stateDir });
  assert.ok(r.ok, r.ok ? "" : r.failure.stderr);
  const printed = /^Control UI: (\S+)\s+WebChat: (\S+)$/m.exec(await eventuallyOut(r.gw.stdout));
  assert.ok(printed, r.gw.stdout());
  assert.equal(printed[1], `http://127.0.0.1:${port}/control/`);
  assert.equal(printed[2], `http://127.0.0.1:${port}/`);
  const page = await fetch(printed[1]!);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script src="\/control\/app\.js" type="module"><\/script>/);
});

/** stdout once the line after the listening line has arrived. */
async function eventuallyOut(stdout: () => string): Promise<string> {
  await eventually("the Control UI line is printed", () => /^Control UI: /m.test(stdout()));
  return stdout();
}
