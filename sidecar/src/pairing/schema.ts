import { Type, type Static } from "@sinclair/typebox";

const Ms = Type.Integer({ minimum: 0 });
const Str = Type.String({ minLength: 1 });

export const DeviceTokenRecordSchema = Type.Object(
  {
    hash: Type.String({ pattern: "^[0-9a-f]{64}$" }),
    scopes: Type.Array(Str),
    createdAtMs: Ms,
    rotatedAtMs: Type.Optional(Ms),
    revokedAtMs: Type.Optional(Ms),
    lastUsedAtMs: Type.Optional(Ms),
  },
  { additionalProperties: false },
);
export type DeviceTokenRecord = Static<typeof DeviceTokenRecordSchema>;

export const PairedDeviceSchema = Type.Object(
  {
    deviceId: Str,
    publicKey: Str,
    displayName: Type.Optional(Str),
    platform: Type.Optional(Str),
    clientId: Type.Optional(Str),
    clientMode: Type.Optional(Str),
    roles: Type.Array(Str),
    scopes: Type.Array(Str),
    createdAtMs: Ms,
    approvedAtMs: Ms,
    lastSeenAtMs: Type.Optional(Ms),
    remoteIp: Type.Optional(Str),
    tokens: Type.Record(Type.String(), DeviceTokenRecordSchema),
  },
  { additionalProperties: false },
);
export type PairedDevice = Static<typeof PairedDeviceSchema>;

export const PendingRequestSchema = Type.Object(
  {
    requestId: Str,
    deviceId: Str,
    publicKey: Str,
    displayName: Type.Optional(Str),
    platform: Type.Optional(Str),
    clientId: Type.Optional(Str),
    clientMode: Type.Optional(Str),
    role: Str,
    scopes: Type.Array(Str),
    remoteIp: Type.Optional(Str),
    isRepair: Type.Optional(Type.Boolean()),
    ts: Ms,
  },
  { additionalProperties: false },
);
export type PendingRequest = Static<typeof PendingRequestSchema>;

/** `devices/pairing.json`: one file, so approving (pending → paired) is a single atomic write. */
export const DevicePairingFileSchema = Type.Object(
  {
    version: Type.Literal(1),
    paired: Type.Record(Type.String(), PairedDeviceSchema),
    pending: Type.Record(Type.String(), PendingRequestSchema),
  },
  { additionalProperties: false },
);
export type DevicePairingFile = Static<typeof DevicePairingFileSchema>;

export const NodePendingSchema = Type.Object(
  {
    requestId: Str,
    nodeId: Str,
    displayName: Type.Optional(Str),
    platform: Type.Optional(Str),
    version: Type.Optional(Str),
    coreVersion: Type.Optional(Str),
    uiVersion: Type.Optional(Str),
    deviceFamily: Type.Optional(Str),
    modelIdentifier: Type.Optional(Str),
    caps: Type.Optional(Type.Array(Str)),
    commands: Type.Optional(Type.Array(Str)),
    remoteIp: Type.Optional(Str),
    silent: Type.Optional(Type.Boolean()),
    ts: Ms,
  },
  { additionalProperties: false },
);
export type NodePending = Static<typeof NodePendingSchema>;

export const PairedNodeSchema = Type.Object(
  {
    nodeId: Str,
    tokenHash: Type.String({ pattern: "^[0-9a-f]{64}$" }),
    displayName: Type.Optional(Str),
    platform: Type.Optional(Str),
    version: Type.Optional(Str),
    coreVersion: Type.Optional(Str),
    uiVersion: Type.Optional(Str),
    deviceFamily: Type.Optional(Str),
    modelIdentifier: Type.Optional(Str),
    caps: Type.Optional(Type.Array(Str)),
    commands: Type.Optional(Type.Array(Str)),
    remoteIp: Type.Optional(Str),
    createdAtMs: Ms,
    approvedAtMs: Ms,
    lastVerifiedAtMs: Type.Optional(Ms),
  },
  { additionalProperties: false },
);
export type PairedNode = Static<typeof PairedNodeSchema>;

/** `nodes/pairing.json`: the node pairing store, separate from device pairing. */
export const NodePairingFileSchema = Type.Object(
  {
    version: Type.Literal(1),
    paired: Type.Record(Type.String(), PairedNodeSchema),
    pending: Type.Record(Type.String(), NodePendingSchema),
  },
  { additionalProperties: false },
);
export type NodePairingFile = Static<typeof NodePairingFileSchema>;
