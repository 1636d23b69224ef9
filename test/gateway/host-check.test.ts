// DNS rebinding: every HTTP and upgrade request, on the gateway port and the canvas port, must carry
// a Host that already means this machine; anything else is refused with 403 before it is served.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { hostname, networkInterfaces } from "node:os";
import { parseConfigText, resolveConfig } from "@clawdbot/sidecar";
import { HostPolicy, hostName } from "../../sidecar/src/server/host-check.js";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { tryUpgrade } from "../support/upgrade.js";

/** GET `path` on 127.0.0.1:port with the given Host header; resolves with the status. */
function get(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** The canvas host's port, from hello-ok.canvasHostUrl. */
async function canvasPort(gw: TestGateway): Promise<number> {
  const { client, res } = await connectRaw(gw.url);
  client.close();
  return Number(new URL((res.payload as { canvasHostUrl: string }).canvasHostUrl).port);
}

const FOREIGN = ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost.evil.example", "10.9.8.7", "[2001:db8::1]", "a_b c"];

test("foreign Host headers get 403 on every HTTP path and on the upgrade; local names are served", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const p = gw.port;
  for (const host of FOREIGN) {
    for (const path of ["/health", "/", "/chat", "/nope"]) assert.equal(await get(p, path, host), 403, `${host} ${path}`);
    const up = await tryUpgrade(gw.url, { Host: host });
    assert.equal(up.status, 403, `upgrade with Host ${host}`);
    assert.equal(up.messages, 0);
  }
  const short = hostname().split(".")[0]!;
  for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, "LOCALHOST", `[::1]:${p}`, "127.0.0.2", `app.localhost:${p}`, "localhost.", hostname(), `${short}.local`]) {
    assert.equal(await get(p, "/health", host), 200, host);
    assert.equal((await tryUpgrade(gw.url, { Host: host })).status, 101, `upgrade with Host ${host}`);
  }
});

test("a request without a Host header is refused", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const status = await new Promise<string>((resolve) => {
    const s = connect(gw.port, "127.0.0.1", () => s.write("GET /health HTTP/1.0\r\n\r\n"));
    let data = "";
    s.on("data", (d) => (data += d.toString()));
    s.on("close", () => resolve(data.split("\r\n")[0] ?? ""));
  });
  assert.match(status, /^HTTP\/1\.[01] 403/);
});

test("gateway.allowedHosts adds names (and follows a config reload)", async (t) => {
  const gw = await startGateway({ file: { gateway: { allowedHosts: ["gw.tailnet.ts.net"] } } });
  t.after(() => gw.stop());
  assert.equal(await get(gw.port, "/health", "gw.tailnet.ts.net:18789"), 200);
  assert.equal(await get(gw.port, "/health", "GW.TAILNET.TS.NET"), 200);
  assert.equal(await get(gw.port, "/health", "other.tailnet.ts.net"), 403);
  const paths = { stateDir: gw.stateDir, configPath: `${gw.stateDir}/clawdbot.json` };
  const file = parseConfigText("c", '{ gateway: { allowedHosts: ["other.tailnet.ts.net"] } }');
  gw.gateway.applyConfig(resolveConfig(file, paths, {}, { port: 0, canvasPort: 0 }), { path: paths.configPath, exists: true, hash: "x", file });
  assert.equal(await get(gw.port, "/health", "other.tailnet.ts.net"), 200);
  assert.equal(await get(gw.port, "/health", "gw.tailnet.ts.net"), 403);
});

test("the canvas host refuses foreign Host headers too (pages and its live-reload socket)", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const port = await canvasPort(gw);
  for (const path of ["/", "/main/", "/__clawdbot__/live.js"]) {
    assert.equal(await get(port, path, "evil.example"), 403, path);
    assert.notEqual(await get(port, path, `127.0.0.1:${port}`), 403, path);
  }
  const up = await tryUpgrade(`ws://127.0.0.1:${port}/__clawdbot__/ws`, { Host: "evil.example" });
  assert.equal(up.status, 403);
});

test("bound to every address: this machine's own addresses pass, others do not", async (t) => {
  const gw = await startGateway({ flags: { bind: "lan", token: "host-check-token" } });
  t.after(() => gw.stop());
  const own = Object.values(networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((a) => !a.internal && a.family === "IPv4")
    .map((a) => a.address);
  for (const addr of own) assert.equal(await get(gw.port, "/health", `${addr}:${gw.port}`), 200, addr);
  assert.equal(await get(gw.port, "/health", "203.0.113.1"), 403);
});

test("HostPolicy and hostName without sockets", () => {
  assert.equal(hostName("Example.COM:80"), "example.com");
  assert.equal(hostName("[::1]:8080"), "::1");
  assert.equal(hostName("[::1]x"), undefined);
  assert.equal(hostName("a b"), undefined);
  assert.equal(hostName("host."), "host");
  assert.equal(hostName(undefined), undefined);
  const policy = (bindHost: string, allowed: string[] = []) =>
    new HostPolicy({ bindHost, hostname: "box.lan", allowedHosts: () => allowed, addresses: () => ["192.168.1.5", "fe80::1"] });
  const p = policy("0.0.0.0");
  for (const ok of ["box", "box.lan", "box.local", "192.168.1.5", "[fe80::1]", "[::ffff:127.0.0.1]", "127.9.9.9"]) assert.equal(p.allows(ok), true, ok);
  for (const no of ["box.evil", "192.168.1.6", "evil.box.lan"]) assert.equal(p.allows(no), false, no);
  const bound = policy("100.64.0.7", ["[fd7a::1]"]);
  assert.equal(bound.allows("100.64.0.7:18789"), true);
  assert.equal(bound.allows("192.168.1.5"), false, "bound to one address: the others are not this gateway's");
  assert.equal(bound.allows("[fd7a::1]"), true);
});

test("config: gateway.allowedHosts takes names and addresses only", () => {
  const paths = { stateDir: "/tmp/x", configPath: "/tmp/x/c.json" };
  const resolve = (text: string) => resolveConfig(parseConfigText("c", text), paths, {});
  assert.deepEqual(resolve('{ gateway: { allowedHosts: ["gw.example", "100.64.0.1", "[fd7a::1]"] } }').allowedHosts, ["gw.example", "100.64.0.1", "[fd7a::1]"]);
  for (const bad of ["https://gw.example", "gw.example:443", "gw.example/x", ".example", "*"]) {
    assert.throws(() => resolve(`{ gateway: { allowedHosts: [${JSON.stringify(bad)}] } }`), /gateway\.allowedHosts/, bad);
  }
});
