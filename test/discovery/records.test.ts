// What goes on the wire: TXT records per mode, name rules, byte limits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gatewayTxt, instanceName, lanHost, truncateUtf8, uniqueName } from "../../sidecar/src/discovery/records.js";
import { advertiseInterface } from "../../sidecar/src/discovery/interface.js";

const beacon = { displayName: "Studio", hostname: "studio.lan", port: 18789, canvasPort: 18793, minimal: false };

test("full mode: role, gatewayPort, displayName, lanHost, canvasPort; TLS adds gatewayTls and the hex fingerprint", () => {
  assert.deepEqual(gatewayTxt(beacon), { role: "gateway", gatewayPort: "18789", displayName: "Studio", lanHost: "studio.local", canvasPort: "18793" });
  assert.deepEqual(gatewayTxt({ ...beacon, canvasPort: null, tls: { fingerprintSha256: "AB:cd:EF" } }), {
    role: "gateway",
    gatewayPort: "18789",
    displayName: "Studio",
    lanHost: "studio.local",
    gatewayTls: "1",
    gatewayTlsSha256: "abcdef",
  });
});

test("minimal mode keeps only what a client needs to connect and pin", () => {
  assert.deepEqual(gatewayTxt({ ...beacon, minimal: true }), { role: "gateway", gatewayPort: "18789" });
  assert.deepEqual(gatewayTxt({ ...beacon, minimal: true, tls: { fingerprintSha256: "AB:CD" } }), {
    role: "gateway",
    gatewayPort: "18789",
    gatewayTls: "1",
    gatewayTlsSha256: "abcd",
  });
});

test("names: dots replaced, labels and TXT strings within DNS limits, UTF-8 never split", () => {
  assert.equal(instanceName("my.box"), "my-box");
  assert.equal(Buffer.byteLength(instanceName("é".repeat(100))), 58);
  assert.equal(truncateUtf8("aé", 2), "a");
  assert.equal(lanHost("host.example.org"), "host.local");
  assert.equal(lanHost(""), "clawdbot.local");
  const long = gatewayTxt({ ...beacon, displayName: "x".repeat(400) });
  assert.equal(Buffer.byteLength(`displayName=${long["displayName"]}`), 255);
  assert.equal(uniqueName("Box", new Set(["BOX", "box (2)"])), "Box (3)");
  assert.equal(uniqueName("Box", new Set()), "Box");
});

test("advertiseInterface: one IPv4 bind address beyond loopback, else every interface", () => {
  assert.equal(advertiseInterface("192.168.1.20"), "192.168.1.20");
  assert.equal(advertiseInterface("100.64.0.7"), "100.64.0.7");
  assert.equal(advertiseInterface("0.0.0.0"), undefined);
  assert.equal(advertiseInterface("127.0.0.1"), undefined);
  assert.equal(advertiseInterface("::"), undefined);
  assert.equal(advertiseInterface("fd00::1"), undefined);
});
