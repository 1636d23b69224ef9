import { Type } from "@sinclair/typebox";
import { method } from "./declare.js";
import { EpochMs, NonEmptyString } from "../schema/primitives.js";

const AccountId = Type.String({ minLength: 1, maxLength: 64 });
const admin = { scope: "operator.admin", roles: ["operator"] } as const;

export const webLoginStart = method({
  ...admin,
  idempotency: "none",
  summary: "Start linking WhatsApp: answers the first QR code (or pairing code with `phone`); each rotated code follows as a `web.login.qr` event.",
  params: Type.Optional(
    Type.Object(
      {
        accountId: Type.Optional(AccountId),
        force: Type.Optional(Type.Boolean()),
        timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
        verbose: Type.Optional(Type.Boolean()),
        /** Link with a pairing code typed on the phone instead of a QR code (E.164). */
        phone: Type.Optional(Type.String({ pattern: "^\\+?[1-9][0-9]{6,15}$" })),
      },
      { additionalProperties: false },
    ),
  ),
  result: Type.Object(
    {
      qrDataUrl: Type.Optional(Type.String()),
      /** The raw QR payload (terminals draw it themselves). */
      qr: Type.Optional(Type.String()),
      pairingCode: Type.Optional(Type.String()),
      expiresAt: Type.Optional(EpochMs),
      message: Type.String(),
    },
    { additionalProperties: true },
  ),
});

export const webLoginWait = method({
  ...admin,
  idempotency: "none",
  summary: "Wait until the login started by web.login.start links (or fails, or `timeoutMs` passes).",
  params: Type.Optional(
    Type.Object(
      { accountId: Type.Optional(AccountId), timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })) },
      { additionalProperties: false },
    ),
  ),
  result: Type.Object({ connected: Type.Boolean(), message: Type.String() }, { additionalProperties: true }),
});

export const poll = method({
  scope: "operator.write",
  roles: ["operator"],
  idempotency: "required",
  summary: "Send a poll on a channel that has polls (WhatsApp).",
  params: Type.Object(
    {
      to: NonEmptyString,
      question: Type.String({ minLength: 1, maxLength: 255 }),
      options: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 2, maxItems: 12 }),
      maxSelections: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
      durationSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604_800 })),
      durationHours: Type.Optional(Type.Integer({ minimum: 1 })),
      silent: Type.Optional(Type.Boolean()),
      isAnonymous: Type.Optional(Type.Boolean()),
      threadId: Type.Optional(Type.String()),
      channel: Type.Optional(NonEmptyString),
      accountId: Type.Optional(AccountId),
      idempotencyKey: Type.String({ minLength: 1, maxLength: 200 }),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      runId: NonEmptyString,
      messageId: NonEmptyString,
      channel: NonEmptyString,
      toJid: Type.Optional(Type.String()),
      pollId: Type.Optional(Type.String()),
    },
    { additionalProperties: true },
  ),
});

/** `web.login.qr`: a new code to show (WhatsApp rotates QR codes about every 20 s). */
export const WebLoginQrEventSchema = Type.Object(
  {
    channel: NonEmptyString,
    accountId: NonEmptyString,
    qr: Type.Optional(Type.String()),
    qrDataUrl: Type.Optional(Type.String()),
    pairingCode: Type.Optional(Type.String()),
    expiresAt: EpochMs,
    message: Type.String(),
  },
  { additionalProperties: false },
);
