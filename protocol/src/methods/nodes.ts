import { Type } from "@sinclair/typebox";
import { method } from "./declare.js";
import { EpochMs, NonEmptyString } from "../schema/primitives.js";

const Strs = Type.Array(NonEmptyString);

/** A node as operators see it: what it claims, what the gateway lets through, whether it is there. */
export const NodeInfoSchema = Type.Object(
  {
    nodeId: NonEmptyString,
    displayName: Type.Optional(NonEmptyString),
    platform: Type.Optional(NonEmptyString),
    version: Type.Optional(NonEmptyString),
    coreVersion: Type.Optional(NonEmptyString),
    uiVersion: Type.Optional(NonEmptyString),
    deviceFamily: Type.Optional(NonEmptyString),
    modelIdentifier: Type.Optional(NonEmptyString),
    /** An approved device or node pairing exists for it. */
    paired: Type.Boolean(),
    caps: Strs,
    /** Effective commands: declared ∩ the gateway's allowlist. */
    commands: Strs,
    declaredCommands: Strs,
    permissions: Type.Record(Type.String(), Type.Boolean()),
    connected: Type.Boolean(),
    connectedAtMs: Type.Optional(EpochMs),
    lastSeenAtMs: Type.Optional(EpochMs),
    remoteIp: Type.Optional(NonEmptyString),
  },
  { additionalProperties: false },
);

const NodeId = Type.Object({ nodeId: NonEmptyString }, { additionalProperties: false });

export const nodeList = method({
  scope: "operator.read",
  roles: ["operator"],
  idempotency: "none",
  summary: "Known nodes, connected or not.",
  params: Type.Optional(Type.Object({}, { additionalProperties: false })),
  result: Type.Object({ ts: EpochMs, nodes: Type.Array(NodeInfoSchema) }, { additionalProperties: false }),
});

export const nodeDescribe = method({
  scope: "operator.read",
  roles: ["operator"],
  idempotency: "none",
  summary: "One node in detail.",
  params: NodeId,
  result: NodeInfoSchema,
});

export const nodeRename = method({
  scope: "operator.write",
  roles: ["operator"],
  idempotency: "none",
  summary: "Give a node a display name (kept across restarts).",
  params: Type.Object({ nodeId: NonEmptyString, displayName: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
  result: Type.Object({ nodeId: NonEmptyString, displayName: NonEmptyString }, { additionalProperties: false }),
});

export const nodeInvoke = method({
  scope: "operator.write",
  roles: ["operator"],
  idempotency: "required",
  summary: "Run a command on a node and wait for its result.",
  params: Type.Object(
    {
      nodeId: NonEmptyString,
      command: NonEmptyString,
      params: Type.Optional(Type.Unknown()),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
      idempotencyKey: Type.String({ minLength: 1, maxLength: 200 }),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      ok: Type.Literal(true),
      nodeId: NonEmptyString,
      command: NonEmptyString,
      payload: Type.Optional(Type.Unknown()),
      payloadJSON: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
});

export const NodeErrorSchema = Type.Object(
  { code: Type.Optional(Type.String()), message: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export const nodeInvokeResult = method({
  scope: "operator.write",
  roles: ["node"],
  idempotency: "none",
  summary: "A node answers a node.invoke.request.",
  params: Type.Object(
    {
      id: NonEmptyString,
      nodeId: NonEmptyString,
      ok: Type.Boolean(),
      payload: Type.Optional(Type.Unknown()),
      payloadJSON: Type.Optional(Type.String()),
      error: Type.Optional(NodeErrorSchema),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({ ok: Type.Literal(true) }, { additionalProperties: false }),
});

export const nodeEvent = method({
  scope: "operator.write",
  roles: ["node"],
  idempotency: "none",
  summary: "A node pushes an event (e.g. a location update); operators receive it as `node.event`.",
  params: Type.Object(
    {
      event: Type.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9._-]+$" }),
      payload: Type.Optional(Type.Unknown()),
      payloadJSON: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({ ok: Type.Literal(true) }, { additionalProperties: false }),
});

export const NodeInvokeRequestSchema = Type.Object(
  {
    id: NonEmptyString,
    nodeId: NonEmptyString,
    command: NonEmptyString,
    paramsJSON: Type.Optional(Type.String()),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    idempotencyKey: Type.Optional(NonEmptyString),
    /**
     * An operator's decision recorded by the gateway for this one request. Only the gateway
     * writes it (never from a caller's params); sent only to nodes that asked for an approval.
     */
    approval: Type.Optional(
      Type.Object(
        { id: NonEmptyString, decision: Type.Union([Type.Literal("allow-once"), Type.Literal("allow-always")]) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const NodeEventBroadcastSchema = Type.Object(
  {
    nodeId: NonEmptyString,
    event: NonEmptyString,
    payload: Type.Optional(Type.Unknown()),
    payloadJSON: Type.Optional(Type.String()),
    ts: EpochMs,
  },
  { additionalProperties: false },
);
