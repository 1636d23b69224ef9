import type { Result } from "@clawdbot/protocol";
import { GatewayError } from "../../errors.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import { CHANNEL_MODULES } from "../../channels/modules.js";
import type { AccountState } from "../../channels/registry.js";
import type { ProbeResult } from "../../channels/types.js";

/** What these handlers may reach. */
export type ChannelsDeps = Pick<GatewayServices, "channels" | "outbox" | "now" | "channelAccess">;

type StatusResult = Result<"channels.status">;
type AccountSnapshot = StatusResult["channelAccounts"][string][number];

/** Probes run in parallel, each bounded by this unless the caller says otherwise. */
const DEFAULT_PROBE_MS = 10_000;
const MAX_PROBE_MS = 30_000;

/** `channels.status`: every configured channel's summary and each account's snapshot (probed on request). */
export const channelsStatusHandler =
  (s: ChannelsDeps): Handler<"channels.status"> =>
  async (params) => {
    const states = s.channels.status();
    const probes = params?.probe ? await probeAll(s, states, Math.min(params.timeoutMs ?? DEFAULT_PROBE_MS, MAX_PROBE_MS)) : new Map<string, ProbeResult>();
    const order = s.channels.names();
    const modules = CHANNEL_MODULES.filter((m) => order.includes(m.id));
    const result: StatusResult = {
      ts: s.now(),
      channelOrder: order,
      channelLabels: Object.fromEntries(modules.map((m) => [m.id, m.label])),
      channelDetailLabels: Object.fromEntries(modules.map((m) => [m.id, m.detailLabel])),
      channelMeta: modules.map((m) => ({ id: m.id, label: m.label, detailLabel: m.detailLabel })),
      channels: {},
      channelAccounts: {},
      channelDefaultAccountId: {},
    };
    for (const channel of order) {
      const accounts = states.filter((a) => a.channel === channel);
      const def = accounts.find((a) => a.isDefault) ?? accounts[0];
      result.channelDefaultAccountId[channel] = def?.accountId ?? "default";
      result.channelAccounts[channel] = accounts.map((a) => snapshot(s, a, probes.get(`${a.channel}:${a.accountId}`)));
      if (def) result.channels[channel] = summary(s, def, accounts);
    }
    return result;
  };

function snapshot(s: ChannelsDeps, a: AccountState, probe: ProbeResult | undefined): AccountSnapshot {
  const account = s.channels.account(a.channel, a.accountId);
  return {
    accountId: a.accountId,
    ...(a.self !== undefined ? { name: a.self } : {}),
    enabled: a.enabled,
    configured: a.configured,
    ...(a.linked !== undefined ? { linked: a.linked } : {}),
    running: a.running,
    connected: a.connected,
    reconnectAttempts: a.restarts,
    lastConnectedAt: a.lastConnectedAt ?? null,
    lastError: a.lastError,
    lastInboundAt: a.lastInboundAt,
    lastOutboundAt: a.lastOutboundAt ?? null,
    ...(account ? { dmPolicy: account.dmPolicy, allowFrom: [...account.allowFrom] } : {}),
    ...(probe ? { probe, lastProbeAt: s.now() } : {}),
    queued: s.outbox.pendingCount(a.channel, a.accountId, a.isDefault),
    dropped: a.drops,
    ...(a.program ? { program: a.program } : {}),
  };
}

/** The channel's line: its default account, with the outbox and restarts of all its accounts. */
function summary(s: ChannelsDeps, def: AccountState, all: AccountState[]): StatusResult["channels"][string] {
  const self = def.self;
  return {
    configured: def.configured,
    running: def.running,
    connected: def.connected,
    ...(def.linked !== undefined ? { linked: def.linked } : {}),
    ...(self !== undefined ? { accountId: self } : {}),
    lastError: def.lastError,
    lastInboundAt: def.lastInboundAt,
    lastPollAt: def.lastPollAt,
    restarts: all.reduce((n, a) => n + a.restarts, 0),
    outboxPending: s.outbox.pendingCount(def.channel),
    ...(def.program ? { program: def.program } : {}),
  };
}

/** Runs every running account's probe at once (results keyed `channel:accountId`); one that does not answer in time reports a timeout. */
export async function probeAll(s: ChannelsDeps, states: AccountState[], timeoutMs: number): Promise<Map<string, ProbeResult>> {
  const out = new Map<string, ProbeResult>();
  await Promise.all(
    states.map(async (a) => {
      const adapter = s.channels.adapter(a.channel, a.accountId);
      if (!adapter?.probe) return;
      const started = s.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ProbeResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, error: `probe timed out after ${timeoutMs} ms`, timedOut: true, elapsedMs: timeoutMs }), timeoutMs);
      });
      const probe = adapter.probe(timeoutMs).catch((err: unknown): ProbeResult => ({ ok: false, error: (err as Error)?.message ?? String(err), elapsedMs: s.now() - started }));
      const res = await Promise.race([probe, timeout]);
      clearTimeout(timer);
      out.set(`${a.channel}:${a.accountId}`, s.channels.redact(res) as ProbeResult);
    }),
  );
  return out;
}

/** `channels.logout`: stops the channel (or one account), forgets credentials, approvals and queued messages. */
export const channelsLogoutHandler =
  (s: ChannelsDeps): Handler<"channels.logout"> =>
  async ({ channel, accountId }) => {
    if (!s.channels.names().includes(channel)) throw new GatewayError("not_found", `channel ${channel} is not configured`);
    if (accountId !== undefined && !s.channels.accounts(channel).includes(accountId)) {
      throw new GatewayError("not_found", `channel ${channel} has no account ${accountId} (accounts: ${s.channels.accounts(channel).join(", ")})`);
    }
    const res = await s.channels.logout(channel, accountId);
    const whole = accountId === undefined || s.channels.accounts(channel).length === 1;
    if (whole) await s.channelAccess.forget(channel);
    const dropped = await s.outbox.forget(channel, whole ? undefined : accountId);
    return { channel, ...(accountId !== undefined ? { accountId } : {}), stopped: res.stopped, cleared: res.cleared, droppedMessages: dropped };
  };

/** `channels.pairing.list` */
export const channelPairingListHandler =
  (s: ChannelsDeps): Handler<"channels.pairing.list"> =>
  (params) => ({
    pending: s.channelAccess.listPending(params?.channel).map(({ notifiedAt: _n, ...p }) => p),
    approved: s.channelAccess.listApproved(params?.channel),
  });

/** `channels.pairing.approve`: the sender may now talk to the agent. */
export const channelPairingApproveHandler =
  (s: ChannelsDeps): Handler<"channels.pairing.approve"> =>
  async ({ channel, code }) => {
    const p = await s.channelAccess.approve(channel, code);
    if (!p) throw new GatewayError("not_found", `no pending ${channel} pairing code ${code} (codes expire after an hour)`);
    await s.outbox.enqueue(
      { channel, ...(p.accountId ? { accountId: p.accountId } : {}), chatId: p.chatId, text: "You are approved. Say hello!", idempotencyKey: `paired:${channel}:${p.code}` },
      s.channels.chunker(channel),
    );
    return { channel, senderId: p.senderId };
  };

/** `channels.pairing.reject` */
export const channelPairingRejectHandler =
  (s: ChannelsDeps): Handler<"channels.pairing.reject"> =>
  async ({ channel, code }) => {
    const p = await s.channelAccess.reject(channel, code);
    if (!p) throw new GatewayError("not_found", `no pending ${channel} pairing code ${code}`);
    return { channel, senderId: p.senderId };
  };
