// A gateway process with its WhatsApp channel on the fake socket, driven by the parent test over
// IPC: what it sends goes up as messages; "hold" makes sends hang at the fake server (so a
// SIGKILL lands between the acknowledgement and the delivery).
import { readFile } from "node:fs/promises";
import type { ConfigFile } from "@clawdbot/sidecar";
import { FakeWhatsApp } from "../fakes/whatsapp/world.js";
import { startGateway } from "../support/gateway.js";

const [stateDir, hold] = process.argv.slice(2);
const fake = new FakeWhatsApp();
if (hold === "hold") fake.hold = new Promise(() => undefined);
const sent = fake.recordSent.bind(fake);
fake.recordSent = (s) => {
  sent(s);
  process.send?.({ sent: { jid: s.jid, text: (s.content as { text?: string }).text ?? null } });
};
const gate = fake.gate.bind(fake);
fake.gate = async (jid, content) => {
  process.send?.({ inflight: jid });
  await gate(jid, content);
};
const file = JSON.parse(await readFile(`${stateDir}/clawdbot.json`, "utf8")) as ConfigFile;
const gw = await startGateway({ file, stateDir: stateDir!, channelTransports: { whatsapp: fake.transport } });
process.send?.({ url: gw.url });
process.on("message", (m: { push?: Parameters<FakeWhatsApp["push"]>[0] }) => {
  if (m.push) fake.push(m.push);
});
