// A gateway with its WhatsApp channel on the fake socket factory (Baileys' own event buffer and
// protos), an admin connection, linked credentials seeded the way Baileys writes them, and the
// waits the WhatsApp tests share.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { BufferJSON, initAuthCreds } from "@whiskeysockets/baileys";
import type { ConfigFile } from "@clawdbot/sidecar";
import { FakeWhatsApp } from "../fakes/whatsapp/world.js";
import type { TestGateway } from "../support/gateway.js";
import type { RawClient } from "../support/raw-client.js";
import { call, eventually, startChannelGateway, tempStateDir } from "./harness.js";

export type WhatsAppFileConfig = NonNullable<NonNullable<ConfigFile["channels"]>["whatsapp"]>;

export interface AccountSnapshot {
  accountId: string;
  name?: string;
  linked?: boolean;
  configured: boolean;
  running: boolean;
  connected: boolean;
  lastError: string | null;
  lastInboundAt: number | null;
  lastOutboundAt: number | null;
  queued: number;
  dropped: Record<string, number>;
}

/** Writes linked credentials for `fake.self` into the account folder, as Baileys' auth state holds them. */
export async function seedLinkedCreds(stateDir: string, fake: FakeWhatsApp, account = "default", self = fake.self): Promise<string> {
  const dir = join(stateDir, "credentials", "whatsapp", account);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const creds = { ...initAuthCreds(), me: { id: `${self.pn}:12@s.whatsapp.net`, lid: `${self.lid}:12@lid`, name: self.name }, registered: true };
  await writeFile(join(dir, "creds.json"), JSON.stringify(creds, BufferJSON.replacer), { mode: 0o600 });
  return dir;
}

export interface RunningWhatsApp {
  gw: TestGateway;
  admin: RawClient;
  fake: FakeWhatsApp;
  stateDir: string;
}

/** Starts a gateway on a fake WhatsApp; linked (and connected) unless `linked` is false. */
export async function startWhatsAppGateway(
  t: TestContext,
  overrides: Partial<WhatsAppFileConfig> = {},
  opts: { fake?: FakeWhatsApp; stateDir?: string; linked?: boolean; agent?: ConfigFile["agent"] } = {},
): Promise<RunningWhatsApp> {
  const fake = opts.fake ?? new FakeWhatsApp();
  const stateDir = opts.stateDir ?? (await tempStateDir(t));
  if (opts.linked !== false) await seedLinkedCreds(stateDir, fake);
  const file: ConfigFile = { heartbeat: { enabled: false }, channels: { whatsapp: { dmPolicy: "open", ...overrides } }, ...(opts.agent ? { agent: opts.agent } : {}) };
  const opened = fake.sockets.length;
  const { gw, admin: client } = await startChannelGateway(t, { file, stateDir, channelTransports: { whatsapp: fake.transport } });
  if (opts.linked !== false) {
    await fake.waitForSockets(opened + 1);
    await eventually("WhatsApp connected", async () => (await whatsappAccount(client)).connected);
  }
  return { gw, admin: client, fake, stateDir };
}

/** The default WhatsApp account's snapshot from channels.status. */
export async function whatsappAccount(c: RawClient, accountId = "default"): Promise<AccountSnapshot> {
  const st = await call<{ channelAccounts: Record<string, AccountSnapshot[]> }>(c, "channels.status");
  const a = st.channelAccounts["whatsapp"]?.find((x) => x.accountId === accountId);
  assert.ok(a, `no whatsapp account ${accountId} in channels.status: ${JSON.stringify(st)}`);
  return a;
}

export const jidOf = (pn: string) => `${pn}@s.whatsapp.net`;
