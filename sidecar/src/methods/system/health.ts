import type { Result } from "@clawdbot/protocol";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import { CHANNEL_MODULES } from "../../channels/modules.js";
import { accountDown, channelHealth } from "../../state/channel-health.js";
import { probeAll } from "../channels/channels.js";
import { MAIN_SESSION_KEY } from "../../channels/router.js";

/** What these handlers may reach. */
export type HealthDeps = Pick<GatewayServices, "health" | "channels" | "outbox" | "channelAccess" | "sessions" | "heartbeat" | "now">;

type HealthResult = Result<"health">;

const DEFAULT_AGENT_ID = "main";
const RECENT_SESSIONS = 10;
const MAX_PROBE_MS = 30_000;

/**
 * `health`: the gateway's snapshot plus each configured channel, the sessions and the agents.
 * `ok` is false while a configured channel is down; `failingChannels` says which.
 */
export const healthHandler =
  (s: HealthDeps): Handler<"health"> =>
  async (params) => {
    const started = s.now();
    const base = s.health.snapshot();
    const states = s.channels.status();
    const probes = params?.probe ? await probeAll(s, states, Math.min(params.timeout ?? 10_000, MAX_PROBE_MS)) : undefined;
    const order = s.channels.names();
    const channels: HealthResult["channels"] = channelHealth(s.channels, { activity: true, ...(probes ? { probes } : {}), now: s.now() });
    const failing = order.filter((channel) => states.some((a) => a.channel === channel && accountDown(a)));
    // From the session index in memory: a health poll touches no file, however many sessions there are.
    const { count, recent } = s.sessions.summary(RECENT_SESSIONS);
    const now = s.now();
    const summary = { count, recent: recent.map((x) => ({ ...x, age: now - x.updatedAt })) };
    // Field by field, not `{ ...base, ok }`: spreading an object and then overriding one of its keys
    // takes V8's slow path and made this reply cost about 20 times what it does now.
    return {
      ok: base.ok && failing.length === 0,
      ts: base.ts,
      uptimeMs: base.uptimeMs,
      heartbeat: base.heartbeat,
      channels,
      channelOrder: order,
      channelLabels: Object.fromEntries(CHANNEL_MODULES.filter((m) => order.includes(m.id)).map((m) => [m.id, m.label])),
      durationMs: s.now() - started,
      failingChannels: failing,
      heartbeatSeconds: s.heartbeat.enabled ? Math.round(s.heartbeat.intervalMs / 1000) : 0,
      defaultAgentId: DEFAULT_AGENT_ID,
      agents: [{ agentId: DEFAULT_AGENT_ID, isDefault: true, mainSessionKey: MAIN_SESSION_KEY, sessions: summary }],
      sessions: summary,
    };
  };
