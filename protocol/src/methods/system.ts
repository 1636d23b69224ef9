import { Type } from "@sinclair/typebox";
import { method } from "./declare.js";
import { EpochMs, NonEmptyString, OpenObject } from "../schema/primitives.js";
import { PresenceEntrySchema } from "../schema/presence.js";
import { HeartbeatEventSchema } from "../schema/events.js";

const NoParams = Type.Object({}, { additionalProperties: false });
const Ok = Type.Object({ ok: Type.Literal(true) }, { additionalProperties: true });

export const health = method({
  summary: "Health snapshot of the gateway and its channels.",
  params: Type.Optional(
    Type.Object(
      {
        probe: Type.Optional(Type.Boolean()),
        /** Milliseconds the channel probes may take (with probe). */
        timeout: Type.Optional(Type.Integer({ minimum: 0 })),
      },
      { additionalProperties: false },
    ),
  ),
  result: Type.Object(
    {
      ok: Type.Boolean(),
      ts: EpochMs,
      durationMs: Type.Integer({ minimum: 0 }),
      uptimeMs: Type.Integer({ minimum: 0 }),
      channels: Type.Record(Type.String(), OpenObject),
      channelOrder: Type.Array(Type.String()),
      channelLabels: Type.Record(Type.String(), Type.String()),
      /** Configured channels that are down (not running, or running but disconnected). */
      failingChannels: Type.Array(Type.String()),
      heartbeatSeconds: Type.Integer({ minimum: 0 }),
      defaultAgentId: NonEmptyString,
      agents: Type.Array(Type.Object({ agentId: NonEmptyString, isDefault: Type.Boolean() }, { additionalProperties: true })),
      sessions: Type.Object(
        {
          count: Type.Integer({ minimum: 0 }),
          recent: Type.Array(Type.Object({ key: NonEmptyString, updatedAt: Type.Union([EpochMs, Type.Null()]), age: Type.Union([Type.Integer(), Type.Null()]) })),
        },
        { additionalProperties: true },
      ),
    },
    { additionalProperties: true },
  ),
  scope: "operator.read",
  roles: ["operator", "node"],
  idempotency: "none",
});

export const status = method({
  summary: "What the gateway is: version, bind, connections, paths.",
  params: Type.Optional(NoParams),
  result: Type.Object(
    {
      version: NonEmptyString,
      pid: Type.Integer(),
      host: NonEmptyString,
      bind: NonEmptyString,
      port: Type.Integer(),
      url: NonEmptyString,
      uptimeMs: Type.Integer({ minimum: 0 }),
      connections: Type.Integer({ minimum: 0 }),
      /** Connections past their handshake, by role (`operator`, `node`). */
      connectionsByRole: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 0 }))),
      stateDir: NonEmptyString,
      configPath: NonEmptyString,
      auth: Type.Union([Type.Literal("token"), Type.Literal("password"), Type.Literal("none")]),
      tls: Type.Optional(
        Type.Object({ enabled: Type.Boolean(), fingerprintSha256: Type.Optional(Type.String()) }, { additionalProperties: true }),
      ),
      heartbeats: Type.Optional(Type.Boolean()),
      pairedDevices: Type.Optional(Type.Integer({ minimum: 0 })),
      /** Device pairing requests waiting for an operator. */
      pendingPairings: Type.Optional(Type.Integer({ minimum: 0 })),
      /** The WebChat page (same port as the socket). */
      webchatUrl: Type.Optional(NonEmptyString),
      canvasHostUrl: Type.Optional(NonEmptyString),
      /** Why the canvas host is not serving, in words. */
      canvasHostProblem: Type.Optional(NonEmptyString),
    },
    { additionalProperties: true },
  ),
  scope: "operator.read",
  roles: ["operator"],
  idempotency: "none",
});

export const systemPresence = method({
  summary: "Current presence list (long-lived clients and nodes).",
  params: Type.Optional(NoParams),
  result: Type.Array(PresenceEntrySchema),
  scope: "operator.read",
  roles: ["operator"],
  idempotency: "none",
});

export const systemEvent = method({
  summary: "A client reports its own presence or a short system text.",
  params: Type.Object(
    {
      text: Type.String({ maxLength: 4096 }),
      deviceId: Type.Optional(NonEmptyString),
      instanceId: Type.Optional(NonEmptyString),
      host: Type.Optional(NonEmptyString),
      ip: Type.Optional(NonEmptyString),
      mode: Type.Optional(NonEmptyString),
      version: Type.Optional(NonEmptyString),
      platform: Type.Optional(NonEmptyString),
      deviceFamily: Type.Optional(NonEmptyString),
      modelIdentifier: Type.Optional(NonEmptyString),
      lastInputSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
      reason: Type.Optional(NonEmptyString),
      roles: Type.Optional(Type.Array(NonEmptyString)),
      scopes: Type.Optional(Type.Array(NonEmptyString)),
      tags: Type.Optional(Type.Array(NonEmptyString)),
      idempotencyKey: Type.Optional(NonEmptyString),
    },
    { additionalProperties: false },
  ),
  result: Ok,
  scope: "operator.write",
  roles: ["operator"],
  idempotency: "optional",
});

export const lastHeartbeat = method({
  summary: "The most recent heartbeat event, or null.",
  params: Type.Optional(NoParams),
  result: Type.Union([HeartbeatEventSchema, Type.Null()]),
  scope: "operator.read",
  roles: ["operator"],
  idempotency: "none",
});

export const setHeartbeats = method({
  summary: "Turns periodic heartbeats on or off.",
  params: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }),
  result: Type.Object({ ok: Type.Literal(true), enabled: Type.Boolean() }, { additionalProperties: false }),
  scope: "operator.admin",
  roles: ["operator"],
  idempotency: "none",
});

export const logsTail = method({
  summary:
    "Recent gateway log lines after a cursor: each line a JSON object {time, level, subsystem, message, …}; cursors are byte offsets, `size` the bytes logged so far, `file` the log file (or that lines are only in memory).",
  params: Type.Optional(
    Type.Object(
      {
        cursor: Type.Optional(Type.Integer({ minimum: 0 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
        maxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
      },
      { additionalProperties: false },
    ),
  ),
  result: Type.Object(
    {
      file: NonEmptyString,
      cursor: Type.Integer({ minimum: 0 }),
      size: Type.Integer({ minimum: 0 }),
      lines: Type.Array(Type.String()),
      truncated: Type.Boolean(),
      reset: Type.Boolean(),
    },
    { additionalProperties: true },
  ),
  scope: "operator.admin",
  roles: ["operator"],
  idempotency: "none",
});
