import { Type, type Static } from "@sinclair/typebox";
import { EpochMs, NonEmptyString, OpenObject } from "./primitives.js";
import { RoleSchema } from "./scopes.js";
import { PresenceEntrySchema } from "./presence.js";
import { StateVersionSchema } from "./frames.js";

export { PROTOCOL_VERSION } from "../version.js";

/** Client ids accepted in `connect.params.client.id`. */
export const CLIENT_IDS = [
  "cli",
  "gateway-client",
  "webchat",
  "webchat-ui",
  "clawdbot-control-ui",
  "moltbot-control-ui",
  "clawdbot-macos",
  "moltbot-macos",
  "clawdbot-ios",
  "moltbot-ios",
  "clawdbot-android",
  "moltbot-android",
  "node-host",
  "test",
  "fingerprint",
  "clawdbot-probe",
  "moltbot-probe",
] as const;
export const ClientIdSchema = Type.Union(CLIENT_IDS.map((c) => Type.Literal(c)));
export type ClientId = Static<typeof ClientIdSchema>;

export const CLIENT_MODES = ["cli", "ui", "webchat", "backend", "node", "probe", "test"] as const;
export const ClientModeSchema = Type.Union(CLIENT_MODES.map((m) => Type.Literal(m)));
export type ClientMode = Static<typeof ClientModeSchema>;

export const ClientInfoSchema = Type.Object(
  {
    id: ClientIdSchema,
    version: NonEmptyString,
    platform: NonEmptyString,
    mode: ClientModeSchema,
    displayName: Type.Optional(NonEmptyString),
    deviceFamily: Type.Optional(NonEmptyString),
    modelIdentifier: Type.Optional(NonEmptyString),
    instanceId: Type.Optional(NonEmptyString),
  },
  { additionalProperties: false },
);
export type ClientInfo = Static<typeof ClientInfoSchema>;

export const ConnectAuthSchema = Type.Object(
  { token: Type.Optional(Type.String()), password: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export const DeviceProofSchema = Type.Object(
  {
    id: NonEmptyString,
    publicKey: NonEmptyString,
    signature: NonEmptyString,
    signedAt: EpochMs,
    nonce: Type.Optional(NonEmptyString),
  },
  { additionalProperties: false },
);
export type DeviceProof = Static<typeof DeviceProofSchema>;

export const ConnectParamsSchema = Type.Object(
  {
    minProtocol: Type.Integer({ minimum: 1 }),
    maxProtocol: Type.Integer({ minimum: 1 }),
    client: ClientInfoSchema,
    role: Type.Optional(RoleSchema),
    scopes: Type.Optional(Type.Array(NonEmptyString, { maxItems: 32 })),
    caps: Type.Optional(Type.Array(NonEmptyString, { maxItems: 64 })),
    commands: Type.Optional(Type.Array(NonEmptyString, { maxItems: 256 })),
    permissions: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
    pathEnv: Type.Optional(Type.String()),
    auth: Type.Optional(ConnectAuthSchema),
    device: Type.Optional(DeviceProofSchema),
    locale: Type.Optional(Type.String()),
    userAgent: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ConnectParams = Static<typeof ConnectParamsSchema>;

export const SessionDefaultsSchema = Type.Object(
  {
    defaultAgentId: NonEmptyString,
    mainKey: NonEmptyString,
    mainSessionKey: NonEmptyString,
    scope: Type.Optional(NonEmptyString),
  },
  { additionalProperties: false },
);

export const SnapshotSchema = Type.Object(
  {
    presence: Type.Array(PresenceEntrySchema),
    health: OpenObject,
    stateVersion: StateVersionSchema,
    uptimeMs: Type.Integer({ minimum: 0 }),
    configPath: Type.Optional(NonEmptyString),
    stateDir: Type.Optional(NonEmptyString),
    sessionDefaults: Type.Optional(SessionDefaultsSchema),
  },
  { additionalProperties: false },
);
export type Snapshot = Static<typeof SnapshotSchema>;

export const PolicySchema = Type.Object(
  {
    maxPayload: Type.Integer({ minimum: 1 }),
    maxBufferedBytes: Type.Integer({ minimum: 1 }),
    tickIntervalMs: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type Policy = Static<typeof PolicySchema>;

export const HelloAuthSchema = Type.Object(
  {
    deviceToken: NonEmptyString,
    role: NonEmptyString,
    scopes: Type.Array(NonEmptyString),
    issuedAtMs: Type.Optional(EpochMs),
  },
  { additionalProperties: false },
);
export type HelloAuth = Static<typeof HelloAuthSchema>;

export const HelloOkSchema = Type.Object(
  {
    type: Type.Literal("hello-ok"),
    protocol: Type.Integer({ minimum: 1 }),
    server: Type.Object(
      {
        version: NonEmptyString,
        commit: Type.Optional(NonEmptyString),
        host: Type.Optional(NonEmptyString),
        connId: NonEmptyString,
      },
      { additionalProperties: false },
    ),
    features: Type.Object(
      { methods: Type.Array(NonEmptyString), events: Type.Array(NonEmptyString) },
      { additionalProperties: false },
    ),
    snapshot: SnapshotSchema,
    canvasHostUrl: Type.Optional(NonEmptyString),
    auth: Type.Optional(HelloAuthSchema),
    policy: PolicySchema,
  },
  { additionalProperties: false },
);
export type HelloOk = Static<typeof HelloOkSchema>;
