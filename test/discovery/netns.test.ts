// Advertising and browsing between two network namespaces joined by a veth pair: real
// bonjour-service, real multicast, nothing on the host's network.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { DiscoveredGateway } from "../../sidecar/src/discovery/browser.js";
import { createNetnsPair, ipIn, spawnIn, tsIn, tsJson, type NetnsPair, type NsProcess } from "./netns.js";
import { CLI_BIN } from "../cli/run-cli.js";

const FP_COLONS = "3F:A0:" + "0B:".repeat(29) + "C1:9E";
const FP_HEX = FP_COLONS.replaceAll(":", "").toLowerCase();

async function pairOrSkip(t: TestContext): Promise<NetnsPair | undefined> {
  const pair = await createNetnsPair(t);
  if (typeof pair === "string") {
    t.skip(pair);
    return undefined;
  }
  return pair;
}

/** A second interface in A (a veth pair of its own) with 10.202.<n>.1. */
async function addSecondAddress(pair: NetnsPair): Promise<string> {
  const address = `10.202.${pair.subnet}.1`;
  await ipIn(pair.a.ns, "link", "add", "cbx0", "type", "veth", "peer", "name", "cbx1");
  await ipIn(pair.a.ns, "addr", "add", `${address}/24`, "dev", "cbx0");
  await ipIn(pair.a.ns, "link", "set", "cbx0", "up");
  await ipIn(pair.a.ns, "link", "set", "cbx1", "up");
  return address;
}

async function advertise(t: TestContext, ns: string, opts: Record<string, unknown>): Promise<NsProcess> {
  const adv = tsIn(t, ns, "advertise-child.ts", { hostname: "gw-a", port: 18789, canvasPort: 18793, minimal: false, nameCheckMs: 300, ...opts });
  await adv.line(/"msg":"advertising gateway over mdns"/);
  return adv;
}

const browse = (t: TestContext, ns: string) => tsJson<DiscoveredGateway[]>(t, ns, "browse-child.ts", { timeoutMs: 1500 });

async function stopAdvertiser(adv: NsProcess): Promise<void> {
  adv.child.kill("SIGTERM");
  assert.equal(await adv.exited, 0, adv.stderr());
  assert.match(adv.stdout(), /"msg":"stopped advertising over mdns"/);
}

test("full mode with TLS: found from the other namespace with its port and every TXT record; goodbyes on stop", async (t) => {
  const pair = await pairOrSkip(t);
  if (!pair) return;
  // The advertiser is bound to the veth address and must advertise only that, not A's second address.
  await addSecondAddress(pair);

  const watcher = tsIn(t, pair.b.ns, "watch-child.ts", {});
  await watcher.line(/"event":"ready"/);
  const adv = await advertise(t, pair.a.ns, { displayName: "Studio One", tls: { fingerprintSha256: FP_COLONS }, interfaceAddress: pair.a.address });
  await watcher.line(/"event":"up","name":"Studio One","port":18789/);

  const found = await browse(t, pair.b.ns);
  assert.deepEqual(found, [
    {
      name: "Studio One",
      host: "gw-a.local",
      addresses: [pair.a.address],
      port: 18789,
      tls: true,
      tlsFingerprint: FP_HEX,
      displayName: "Studio One",
      txt: {
        role: "gateway",
        gatewayPort: "18789",
        displayName: "Studio One",
        lanHost: "gw-a.local",
        canvasPort: "18793",
        gatewayTls: "1",
        gatewayTlsSha256: FP_HEX,
      },
    },
  ]);

  await stopAdvertiser(adv);
  await watcher.line(/"event":"down","name":"Studio One"/, 5000);
  assert.deepEqual(await browse(t, pair.b.ns), [], "a fresh browse no longer finds it");
});

test("minimal mode omits displayName/lanHost/canvasPort; a taken name gets ' (2)'; TLS off means no gatewayTls", async (t) => {
  const pair = await pairOrSkip(t);
  if (!pair) return;
  const second = await addSecondAddress(pair);
  const a = await advertise(t, pair.a.ns, { displayName: "Twin", minimal: true, tls: { fingerprintSha256: FP_COLONS } });
  // Same display name from the other namespace, no TLS, canvas off, full mode.
  const b = await advertise(t, pair.b.ns, { displayName: "Twin", hostname: "gw-b", port: 28789, canvasPort: null });
  assert.match(b.stdout(), /"name":"Twin \(2\)".*"msg":"mdns name in use on the network; renamed"/);

  const found = await browse(t, pair.b.ns);
  assert.equal(found.length, 2, JSON.stringify(found));
  const [minimal, full] = found as [DiscoveredGateway, DiscoveredGateway];
  assert.equal(minimal.name, "Twin");
  assert.equal(minimal.host, "gw-a.local");
  assert.equal(minimal.port, 18789);
  assert.ok(minimal.addresses.includes(pair.a.address), minimal.addresses.join(","));
  assert.ok(minimal.addresses.includes(second), `no interface given: every address (${minimal.addresses.join(",")})`);
  assert.equal(minimal.displayName, undefined);
  assert.deepEqual(minimal.txt, { role: "gateway", gatewayPort: "18789", gatewayTls: "1", gatewayTlsSha256: FP_HEX });
  assert.equal(full.name, "Twin (2)");
  assert.equal(full.port, 28789);
  assert.equal(full.tls, false);
  assert.equal(full.tlsFingerprint, undefined);
  assert.deepEqual(full.txt, { role: "gateway", gatewayPort: "28789", displayName: "Twin", lanHost: "gw-b.local" });
  for (const gw of found) for (const key of Object.keys(gw.txt)) assert.doesNotMatch(key, /^ssh|Path$/, "never SSH port or paths");

  await stopAdvertiser(a);
  await stopAdvertiser(b);
});

test("clawdbot discover --timeout 1500 --json inside B finds the advertiser in A; the table and the empty case", async (t) => {
  const pair = await pairOrSkip(t);
  if (!pair) return;
  const cli = async (...args: string[]) => {
    const p = spawnIn(t, pair.b.ns, [process.execPath, CLI_BIN, "discover", ...args]);
    return { code: await p.exited, stdout: p.stdout(), stderr: p.stderr() };
  };

  const none = await cli("--timeout", "500");
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout, "no gateways found\n");

  const adv = await advertise(t, pair.a.ns, { displayName: "Desk", tls: { fingerprintSha256: FP_COLONS }, interfaceAddress: pair.a.address });
  const json = await cli("--timeout", "1500", "--json");
  assert.equal(json.code, 0, json.stderr);
  const list = JSON.parse(json.stdout) as DiscoveredGateway[];
  assert.equal(list.length, 1, json.stdout);
  assert.equal(list[0]?.name, "Desk");
  assert.equal(list[0]?.host, "gw-a.local");
  assert.deepEqual(list[0]?.addresses, [pair.a.address]);
  assert.equal(list[0]?.port, 18789);
  assert.equal(list[0]?.tlsFingerprint, FP_HEX);

  const table = await cli("--timeout", "1500");
  assert.equal(table.code, 0, table.stderr);
  assert.deepEqual(table.stdout.split("\n").map((l) => l.split(/ {2,}/)), [
    ["NAME", "HOST", "ADDRESSES", "PORT", "TLS SHA-256"],
    ["Desk", "gw-a.local", pair.a.address, "18789", FP_COLONS],
    [""],
  ]);
  await stopAdvertiser(adv);
});
