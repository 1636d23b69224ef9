import { Type } from "@sinclair/typebox";
import { method } from "./declare.js";
import { EpochMs, NonEmptyString } from "../schema/primitives.js";
import { RoleSchema } from "../schema/scopes.js";

const Ms = EpochMs;
const Strs = Type.Array(NonEmptyString);

/** A pending device pairing request as operators see it. */
export const DevicePairRequestSchema = Type.Object(
  {
    requestId: NonEmptyString,
    deviceId: NonEmptyString,
    publicKey: NonEmptyString,
    displayName: Type.Optional(NonEmptyString),
    platform: Type.Optional(NonEmptyString),
    clientId: Type.Optional(NonEmptyString),
    clientMode: Type.Optional(NonEmptyString),
    role: Type.Optional(NonEmptyString),
    scopes: Type.Optional(Strs),
    remoteIp: Type.Optional(NonEmptyString),
    silent: Type.Optional(Type.Boolean()),
    isRepair: Type.Optional(Type.Boolean()),
    ts: Ms,
  },
  { additionalProperties: false },
);

/** A device token's metadata (never the token or its hash). */
export const DeviceTokenInfoSchema = Type.Object(
  {
    role: NonEmptyString,
    scopes: Strs,
    createdAtMs: Ms,
    rotatedAtMs: Type.Optional(Ms),
    revokedAtMs: Type.Optional(Ms),
    lastUsedAtMs: Type.Optional(Ms),
  },
  { additionalProperties: false },
);

export const PairedDeviceInfoSchema = Type.Object(
  {
    deviceId: NonEmptyString,
    publicKey: NonEmptyString,
    displayName: Type.Optional(NonEmptyString),
    platform: Type.Optional(NonEmptyString),
    clientId: Type.Optional(NonEmptyString),
    clientMode: Type.Optional(NonEmptyString),
    roles: Strs,
    scopes: Strs,
    createdAtMs: Ms,
    approvedAtMs: Ms,
    lastSeenAtMs: Type.Optional(Ms),
    remoteIp: Type.Optional(NonEmptyString),
    tokens: Type.Array(DeviceTokenInfoSchema),
  },
  { additionalProperties: false },
);

const RequestIdParams = Type.Object({ requestId: NonEmptyString }, { additionalProperties: false });
const pairing = { scope: "operator.pairing", roles: ["operator"], idempotency: "none" } as const;

export const devicePairList = method({
  ...pairing,
  summary: "Pending pairing requests and paired devices.",
  params: Type.Optional(Type.Object({}, { additionalProperties: false })),
  result: Type.Object(
    { pending: Type.Array(DevicePairRequestSchema), paired: Type.Array(PairedDeviceInfoSchema) },
    { additionalProperties: false },
  ),
});

export const devicePairApprove = method({
  ...pairing,
  summary: "Approve a pending device; it gets a device token on its next connect.",
  params: RequestIdParams,
  result: Type.Object({ requestId: NonEmptyString, device: PairedDeviceInfoSchema }, { additionalProperties: false }),
});

export const devicePairReject = method({
  ...pairing,
  summary: "Reject a pending device.",
  params: RequestIdParams,
  result: Type.Object({ requestId: NonEmptyString, deviceId: NonEmptyString }, { additionalProperties: false }),
});

export const deviceTokenRotate = method({
  ...pairing,
  summary: "Issue a new device token for (device, role); the old one stops working at once.",
  params: Type.Object(
    { deviceId: NonEmptyString, role: RoleSchema, scopes: Type.Optional(Strs) },
    { additionalProperties: false },
  ),
  result: Type.Object(
    { deviceId: NonEmptyString, role: NonEmptyString, token: NonEmptyString, scopes: Strs, rotatedAtMs: Ms },
    { additionalProperties: false },
  ),
});

export const deviceTokenRevoke = method({
  ...pairing,
  summary: "Revoke the device token of (device, role) and disconnect its live sockets.",
  params: Type.Object({ deviceId: NonEmptyString, role: RoleSchema }, { additionalProperties: false }),
  result: Type.Object(
    { deviceId: NonEmptyString, role: NonEmptyString, revokedAtMs: Ms, disconnected: Type.Integer({ minimum: 0 }) },
    { additionalProperties: false },
  ),
});

export const NodePairRequestSchema = Type.Object(
  {
    requestId: NonEmptyString,
    nodeId: NonEmptyString,
    displayName: Type.Optional(NonEmptyString),
    platform: Type.Optional(NonEmptyString),
    version: Type.Optional(NonEmptyString),
    coreVersion: Type.Optional(NonEmptyString),
    uiVersion: Type.Optional(NonEmptyString),
    deviceFamily: Type.Optional(NonEmptyString),
    modelIdentifier: Type.Optional(NonEmptyString),
    caps: Type.Optional(Strs),
    commands: Type.Optional(Strs),
    remoteIp: Type.Optional(NonEmptyString),
    silent: Type.Optional(Type.Boolean()),
    ts: Ms,
  },
  { additionalProperties: false },
);

export const PairedNodeInfoSchema = Type.Object(
  {
    nodeId: NonEmptyString,
    displayName: Type.Optional(NonEmptyString),
    platform: Type.Optional(NonEmptyString),
    version: Type.Optional(NonEmptyString),
    coreVersion: Type.Optional(NonEmptyString),
    uiVersion: Type.Optional(NonEmptyString),
    deviceFamily: Type.Optional(NonEmptyString),
    modelIdentifier: Type.Optional(NonEmptyString),
    caps: Type.Optional(Strs),
    commands: Type.Optional(Strs),
    remoteIp: Type.Optional(NonEmptyString),
    createdAtMs: Ms,
    approvedAtMs: Ms,
    lastVerifiedAtMs: Type.Optional(Ms),
    /** When it was last connected (now, when it is). */
    lastConnectedAtMs: Type.Optional(Ms),
  },
  { additionalProperties: false },
);

export const nodePairRequest = method({
  ...pairing,
  summary: "File a node pairing request (separate from device pairing).",
  params: Type.Object(
    {
      nodeId: NonEmptyString,
      displayName: Type.Optional(NonEmptyString),
      platform: Type.Optional(NonEmptyString),
      version: Type.Optional(NonEmptyString),
      coreVersion: Type.Optional(NonEmptyString),
      uiVersion: Type.Optional(NonEmptyString),
      deviceFamily: Type.Optional(NonEmptyString),
      modelIdentifier: Type.Optional(NonEmptyString),
      caps: Type.Optional(Strs),
      commands: Type.Optional(Strs),
      remoteIp: Type.Optional(NonEmptyString),
      silent: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    { status: Type.Literal("pending"), request: NodePairRequestSchema, created: Type.Boolean() },
    { additionalProperties: false },
  ),
});

export const nodePairList = method({
  ...pairing,
  summary: "Pending node pairing requests and paired nodes.",
  params: Type.Optional(Type.Object({}, { additionalProperties: false })),
  result: Type.Object(
    { pending: Type.Array(NodePairRequestSchema), paired: Type.Array(PairedNodeInfoSchema) },
    { additionalProperties: false },
  ),
});

export const nodePairApprove = method({
  ...pairing,
  summary: "Approve a node pairing request; returns the node's token once.",
  params: RequestIdParams,
  result: Type.Object(
    { requestId: NonEmptyString, node: PairedNodeInfoSchema, token: NonEmptyString },
    { additionalProperties: false },
  ),
});

export const nodePairReject = method({
  ...pairing,
  summary: "Reject a node pairing request.",
  params: RequestIdParams,
  result: Type.Object({ requestId: NonEmptyString, nodeId: NonEmptyString }, { additionalProperties: false }),
});

export const nodePairVerify = method({
  ...pairing,
  summary: "Check a node's pairing token.",
  params: Type.Object({ nodeId: NonEmptyString, token: NonEmptyString }, { additionalProperties: false }),
  result: Type.Object(
    { ok: Type.Boolean(), node: Type.Optional(PairedNodeInfoSchema) },
    { additionalProperties: false },
  ),
});
