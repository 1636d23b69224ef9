import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { EpochMs, NonEmptyString, OpenObject } from "./primitives.js";
import { PresenceEntrySchema } from "./presence.js";
import { DevicePairRequestSchema, NodePairRequestSchema } from "../methods/pairing.js";

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
    status: Type.Union([Type.Literal("ok"), Type.Literal("skipped"), Type.Literal("failed")]),
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
} satisfies Record<string, TSchema>;

export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = Static<(typeof EVENTS)[E]>;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
