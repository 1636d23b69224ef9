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

export const PairedFileSchema = Type.Object(
  { version: Type.Literal(1), devices: Type.Record(Type.String(), PairedDeviceSchema) },
  { additionalProperties: false },
);
export const PendingFileSchema = Type.Object(
  { version: Type.Literal(1), requests: Type.Record(Type.String(), PendingRequestSchema) },
  { additionalProperties: false },
);
