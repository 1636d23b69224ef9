// Signal channel tests: the fake Signal network, a fake daemon in this process (for httpUrl) or the
// fake signal-cli executable (for autoStart), an in-process gateway on it and an admin connection.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { ConfigFile } from "@clawdbot/sidecar";
import { FakeSignalDaemon } from "../fakes/signal/daemon.js";
import { FakeSignalNetwork } from "../fakes/signal/network.js";
import type { TestGateway } from "../support/gateway.js";
import type { RawClient } from "../support/raw-client.js";
import { defer } from "./cleanup.js";
import { call, eventually, startChannelGateway, tempStateDir } from "./harness.js";

export type SignalFileConfig = NonNullable<NonNullable<ConfigFile["channels"]>["signal"]>;

/** One account as channels.status reports it, with the supervised program when there is one. */
export interface AccountSnapshot {
  accountId: string;
  name?: string;
  running: boolean;
  connected: boolean;
  lastError: string | null;
  lastInboundAt: number | null;
  lastOutboundAt: number | null;
  queued: number;
  dropped: Record<string, number>;
  program?: { name: string; state: string; pid: number | null; restarts: number; lastStderr: string | null; lastError: string | null };
}

export async function signalNetwork(t: TestContext): Promise<FakeSignalNetwork> {
  const net = await FakeSignalNetwork.start();
  defer(t, () => net.stop());
  return net;
}

/** A fake daemon in this process, as a daemon someone else runs (httpUrl). */
export async function externalDaemon(t: TestContext, net: FakeSignalNetwork, opts: { keepAliveMs?: number } = {}): Promise<FakeSignalDaemon> {
  const daemon = await FakeSignalDaemon.start({ backend: net.localBackend(), account: net.bot.number!, keepAliveMs: opts.keepAliveMs ?? 200 });
  defer(t, () => daemon.stop());
  return daemon;
}

export function signalConfig(account: string, overrides: Partial<SignalFileConfig>, extra: Partial<ConfigFile> = {}): ConfigFile {
  return { heartbeat: { enabled: false }, channels: { signal: { account, dmPolicy: "open", ...overrides } }, ...extra };
}

export interface SignalRunning {
  gw: TestGateway;
  admin: RawClient;
  stateDir: string;
}

/** An in-process gateway with the Signal channel; resolves once the account is connected (unless told not to wait). */
export async function startSignalGateway(t: TestContext, file: ConfigFile, opts: { stateDir?: string; waitConnected?: boolean } = {}): Promise<SignalRunning> {
  const stateDir = opts.stateDir ?? (await tempStateDir(t));
  const { gw, admin: client } = await startChannelGateway(t, { file, stateDir });
  if (opts.waitConnected !== false) await eventually("signal connected", async () => (await account(client, "signal")).connected, 60_000);
  return { gw, admin: client, stateDir };
}

/** The default account of a channel in channels.status. */
export async function account(admin: RawClient, channel: string): Promise<AccountSnapshot> {
  const st = await call<{ channelAccounts: Record<string, AccountSnapshot[]> }>(admin, "channels.status");
  const a = st.channelAccounts[channel]?.[0];
  assert.ok(a, `no ${channel} account in channels.status: ${JSON.stringify(st.channelAccounts)}`);
  return a;
}
