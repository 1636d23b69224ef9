// Crashes: a gateway SIGKILLed between acknowledging a send and delivering it delivers it once
// after the restart; 100 SIGKILLs during credential saves never leave the account unlinked or an
// unparseable credentials file in use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { BufferJSON, initAuthCreds } from "@whiskeysockets/baileys";
import { pino } from "pino";
import { WhatsAppAuthStore } from "../../sidecar/src/channels/whatsapp/auth-store.js";
import { FakeWhatsApp } from "../fakes/whatsapp/world.js";
import { connectRaw } from "../support/raw-client.js";
import { defer } from "./cleanup.js";
import { call, eventually, tempStateDir } from "./harness.js";
import { seedLinkedCreds } from "./whatsapp-harness.js";

const CHILD = fileURLToPath(new URL("./whatsapp-gateway-child.ts", import.meta.url));
const SAVER = fileURLToPath(new URL("./whatsapp-creds-child.mjs", import.meta.url));

interface Child {
  url: string;
  sent: { jid: string; text: string | null }[];
  inflight: string[];
  kill(): Promise<void>;
}

async function gatewayChild(t: TestContext, stateDir: string, hold: boolean): Promise<Child> {
  const child = fork(CHILD, [stateDir, hold ? "hold" : "run"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  defer(t, kill);
  const c: Child = { url: "", sent: [], inflight: [], kill };
  child.on("message", (m: { url?: string; sent?: Child["sent"][number]; inflight?: string }) => {
    if (m.url) c.url = m.url;
    if (m.sent) c.sent.push(m.sent);
    if (m.inflight) c.inflight.push(m.inflight);
  });
  await eventually("the gateway child listening", () => c.url !== "", 120_000);
  return c;
}

test("SIGKILL between the acknowledgement and the delivery: the message is delivered once after the restart", async (t) => {
  const stateDir = await tempStateDir(t);
  await seedLinkedCreds(stateDir, new FakeWhatsApp());
  await writeFile(join(stateDir, "clawdbot.json"), JSON.stringify({ heartbeat: { enabled: false }, channels: { whatsapp: { dmPolicy: "open" } } }));
  const first = await gatewayChild(t, stateDir, true);
  const { client } = await connectRaw(first.url, { mode: "ui" });
  const ack = await call<{ status: string }>(client, "send", { to: "whatsapp:+15554440001", message: "exactly once", idempotencyKey: "crash-1" });
  assert.equal(ack.status, "queued");
  assert.ok(first.inflight.includes("15554440001@s.whatsapp.net"), "the send reached the server before the crash");
  client.close();
  await first.kill();
  assert.equal(first.sent.length, 0);

  const second = await gatewayChild(t, stateDir, false);
  await eventually("delivered after the restart", () => second.sent.some((s) => s.text === "exactly once"), 30_000);
  const { client: admin } = await connectRaw(second.url, { mode: "ui" });
  defer(t, () => admin.close());
  await eventually("the outbox is empty", async () => {
    const st = await call<{ channelAccounts: Record<string, { queued: number }[]> }>(admin, "channels.status");
    return st.channelAccounts["whatsapp"]?.[0]?.queued === 0;
  });
  assert.equal(second.sent.filter((s) => s.text === "exactly once").length, 1);
});

test("100 SIGKILLs during credential saves: never unlinked, never an unparseable credentials file in use", async (t) => {
  const stateDir = await tempStateDir(t);
  const dir = join(stateDir, "credentials", "whatsapp", "default");
  const fake = new FakeWhatsApp();
  await seedLinkedCreds(stateDir, fake);
  const template = join(stateDir, "template.json");
  const creds = { ...initAuthCreds(), me: { id: `${fake.self.pn}:12@s.whatsapp.net`, name: "Clawd" }, registered: true };
  await writeFile(template, JSON.stringify(creds, BufferJSON.replacer));
  const log = pino({ level: "silent" });
  let restored = 0;
  for (let i = 0; i < 100; i++) {
    const child = spawn(process.execPath, [SAVER, dir, template], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    await new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve()));
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 25)));
    child.kill("SIGKILL");
    await exited;
    const current = await readFile(join(dir, "creds.json"), "utf8").catch(() => "");
    let parses = true;
    try {
      JSON.parse(current, BufferJSON.reviver);
    } catch {
      parses = false;
    }
    const store = await WhatsAppAuthStore.open(dir, log);
    assert.equal(store.linked, true, `unlinked after kill ${i + 1}`);
    if (!parses) restored++;
    assert.doesNotThrow(() => JSON.parse(readFileSyncText(dir)), `creds.json unparseable after opening, kill ${i + 1}`);
  }
  assert.equal(restored, 0, "an atomic save never leaves a torn current file");
});

function readFileSyncText(dir: string): string {
  return readFileSync(join(dir, "creds.json"), "utf8");
}
