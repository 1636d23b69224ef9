// The health snapshot every client gets (hello-ok snapshot.health) and the `health` events carry
// the configured channels as the `health` method reports them: order, labels, the default
// account's state and every account's; a channel going down is a `health` event.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connectRaw, type Frame } from "../support/raw-client.js";
import { defer } from "./cleanup.js";
import { eventually } from "./harness.js";
import { startWhatsAppGateway } from "./whatsapp-harness.js";

interface ChannelHealth {
  configured: boolean;
  running: boolean;
  connected: boolean;
  accountId: string | null;
  lastError: string | null;
  accounts: Record<string, { running: boolean; connected: boolean; lastError: string | null }>;
}
interface HealthSnapshot {
  channels: Record<string, ChannelHealth>;
  channelOrder: string[];
  channelLabels: Record<string, string>;
}

const snapshotOf = (res: Frame) => (res.payload as { snapshot: { health: HealthSnapshot } }).snapshot.health;

test("hello-ok's health snapshot lists the WhatsApp channel and its account; a close with 440 is a health event saying so", async (t) => {
  const { gw, fake, admin } = await startWhatsAppGateway(t);
  let health: HealthSnapshot | undefined;
  await eventually("a hello whose health shows WhatsApp connected", async () => {
    const { client, res } = await connectRaw(gw.url, { mode: "ui" });
    client.close();
    health = snapshotOf(res);
    return health.channels["whatsapp"]?.connected === true;
  });
  assert.deepEqual(health!.channelOrder, ["whatsapp"]);
  assert.equal(health!.channelLabels["whatsapp"], "WhatsApp");
  const wa = health!.channels["whatsapp"]!;
  assert.deepEqual({ ...wa }, { configured: true, running: true, connected: true, accountId: "default", lastError: null, accounts: { default: { running: true, connected: true, lastError: null } } });

  const { client: watcher } = await connectRaw(gw.url, { mode: "ui" });
  defer(t, () => watcher.close());
  fake.current.close(440, "Stream Errored (conflict)");
  const down = () =>
    watcher.frames
      .filter((f) => f.type === "event" && f.event === "health")
      .map((f) => (f.payload as HealthSnapshot).channels["whatsapp"])
      .find((c) => c?.connected === false);
  await eventually("a health event with WhatsApp down", () => down() !== undefined, 15_000);
  assert.match(String(down()!.lastError), /replaced by another WhatsApp Web session/);
  assert.equal(down()!.accounts["default"]!.connected, false);
  // The method and the snapshot agree.
  const h = await admin.request("health", {});
  assert.equal((h.payload as HealthSnapshot).channels["whatsapp"]!.connected, false);
});
