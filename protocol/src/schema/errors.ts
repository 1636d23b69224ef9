import { Type, type Static } from "@sinclair/typebox";
import { NonEmptyString } from "./primitives.js";

/** Wire error codes. The first five are the reference protocol's; the rest are our extensions. */
export const ERROR_CODES = [
  "INVALID_REQUEST",
  "NOT_PAIRED",
  "NOT_LINKED",
  "AGENT_TIMEOUT",
  "UNAVAILABLE",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "RATE_LIMITED",
  "CONFLICT",
] as const;

export const ErrorCodeSchema = Type.Union(ERROR_CODES.map((c) => Type.Literal(c)));
export type ErrorCode = Static<typeof ErrorCodeSchema>;

/** The error object carried by a failed response. Clients validate it strictly. */
export const ErrorShapeSchema = Type.Object(
  {
    code: NonEmptyString,
    message: NonEmptyString,
    details: Type.Optional(Type.Unknown()),
    retryable: Type.Optional(Type.Boolean()),
    retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type ErrorShape = Static<typeof ErrorShapeSchema>;

/** WebSocket close codes the gateway uses. */
export const CloseCode = {
  normal: 1000,
  protocolMismatch: 1002,
  policyViolation: 1008,
  tooBig: 1009,
  serviceRestart: 1012,
  tickTimeout: 4000,
} as const;
