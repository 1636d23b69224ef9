import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { EpochMs, NonEmptyString, OpenObject } from "./primitives.js";
import { PresenceEntrySchema } from "./presence.js";
import { DevicePairRequestSchema, NodePairRequestSchema } from "../methods/pairing.js";
import { NodeEventBroadcastSchema, NodeInvokeRequestSchema } from "../methods/nodes.js";
import { WebLoginQrEventSchema } from "../methods/channels.js";
import { ExecApprovalRequestedSchema, ExecApprovalResolvedSchema } from "../methods/approvals.js";
import { CronEventSchema } from "../methods/cron.js";

export const ConnectChallengeSchema = Type.Object(
  { nonce: Type.String({ minLength: 22 }), ts: EpochMs },
  { additionalProperties: false },
);
export const TickSchema = Type.Object({ ts: EpochMs }, { additionalProperties: false });
export const PresenceEventSchema = Type.Object(
  { presence: Type.Array(PresenceEntrySchema) },
  { additionalProperties: false },
);
export const HeartbeatEventSchema = Type.Object(
  {
    ts: EpochMs,
    /** sent: a message went out; ok-empty / ok-token: nothing to say; skipped; failed. */
    status: Type.Union([Type.Literal("sent"), Type.Literal("ok-empty"), Type.Literal("ok-token"), Type.Literal("skipped"), Type.Literal("failed")]),
    reason: Type.Optional(NonEmptyString),
    durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type HeartbeatEvent = Static<typeof HeartbeatEventSchema>;
export const ShutdownEventSchema = Type.Object(
  { reason: NonEmptyString, restartExpectedMs: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);

const Decision = Type.Union([Type.Literal("approved"), Type.Literal("rejected")]);
export const DevicePairResolvedSchema = Type.Object(
  { requestId: NonEmptyString, deviceId: NonEmptyString, decision: Decision, ts: EpochMs },
  { additionalProperties: false },
);
export const NodePairResolvedSchema = Type.Object(
  { requestId: NonEmptyString, nodeId: NonEmptyString, decision: Decision, ts: EpochMs },
  { additionalProperties: false },
);

export const AgentEventSchema = Type.Object(
  {
    runId: NonEmptyString,
    seq: Type.Integer({ minimum: 0 }),
    stream: Type.Union([Type.Literal("assistant"), Type.Literal("lifecycle"), Type.Literal("tool"), Type.Literal("error")]),
    ts: EpochMs,
    data: OpenObject,
    sessionKey: Type.Optional(NonEmptyString),
  },
  { additionalProperties: false },
);
export type AgentEvent = Static<typeof AgentEventSchema>;

export const ChatEventSchema = Type.Object(
  {
    runId: NonEmptyString,
    sessionKey: NonEmptyString,
    seq: Type.Integer({ minimum: 0 }),
    state: Type.Union([Type.Literal("delta"), Type.Literal("final"), Type.Literal("aborted"), Type.Literal("error")]),
    message: Type.Optional(Type.Unknown()),
    errorMessage: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ChatEvent = Static<typeof ChatEventSchema>;

/** Every event the gateway emits, with its payload schema. Later features add entries here. */
export const EVENTS = {
  "connect.challenge": ConnectChallengeSchema,
  tick: TickSchema,
  presence: PresenceEventSchema,
  health: OpenObject,
  heartbeat: HeartbeatEventSchema,
  shutdown: ShutdownEventSchema,
  "device.pair.requested": DevicePairRequestSchema,
  "device.pair.resolved": DevicePairResolvedSchema,
  "node.pair.requested": NodePairRequestSchema,
  "node.pair.resolved": NodePairResolvedSchema,
  agent: AgentEventSchema,
  chat: ChatEventSchema,
  "node.invoke.request": NodeInvokeRequestSchema,
  "node.event": NodeEventBroadcastSchema,
  "web.login.qr": WebLoginQrEventSchema,
  "exec.approval.requested": ExecApprovalRequestedSchema,
  "exec.approval.resolved": ExecApprovalResolvedSchema,
  cron: CronEventSchema,
} satisfies Record<string, TSchema>;

export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = Static<(typeof EVENTS)[E]>;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
