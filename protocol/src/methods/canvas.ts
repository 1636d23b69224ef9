import { Type } from "@sinclair/typebox";
import { method } from "./declare.js";
import { EpochMs, NonEmptyString } from "../schema/primitives.js";

/** Canvas sessions are folder names under <stateDir>/canvas/. */
const CanvasSession = Type.String({ minLength: 1, maxLength: 100, pattern: "^(?!\\.)(?!__clawdbot__$)[A-Za-z0-9_.-]+$" });
/** A relative path inside a canvas session (no `..`, no leading `/`; checked again on the server). */
const CanvasPath = Type.String({ minLength: 1, maxLength: 500 });

export const canvasWrite = method({
  scope: "operator.write",
  roles: ["operator"],
  idempotency: "none",
  summary: "Write a file into a canvas session (creates folders).",
  params: Type.Object(
    {
      session: Type.Optional(CanvasSession),
      path: CanvasPath,
      content: Type.Optional(Type.String({ maxLength: 5_000_000 })),
      contentBase64: Type.Optional(Type.String({ maxLength: 7_000_000 })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({ session: NonEmptyString, path: NonEmptyString, bytes: Type.Integer({ minimum: 0 }), url: NonEmptyString }, { additionalProperties: false }),
});

export const canvasList = method({
  scope: "operator.read",
  roles: ["operator"],
  idempotency: "none",
  summary: "Files of a canvas session.",
  params: Type.Optional(Type.Object({ session: Type.Optional(CanvasSession) }, { additionalProperties: false })),
  result: Type.Object(
    {
      session: NonEmptyString,
      url: NonEmptyString,
      files: Type.Array(Type.Object({ path: NonEmptyString, bytes: Type.Integer({ minimum: 0 }), mtimeMs: EpochMs }, { additionalProperties: false })),
    },
    { additionalProperties: false },
  ),
});

export const canvasDelete = method({
  scope: "operator.write",
  roles: ["operator"],
  idempotency: "none",
  summary: "Delete a file from a canvas session.",
  params: Type.Object({ session: Type.Optional(CanvasSession), path: CanvasPath }, { additionalProperties: false }),
  result: Type.Object({ session: NonEmptyString, path: NonEmptyString, deleted: Type.Boolean() }, { additionalProperties: false }),
});

export const canvasA2uiPush = method({
  scope: "operator.write",
  roles: ["operator"],
  idempotency: "required",
  summary: "Push A2UI messages to a node's canvas (routed as the node command canvas.a2ui.push).",
  params: Type.Object(
    {
      nodeId: NonEmptyString,
      messages: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 500 }),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
      idempotencyKey: Type.String({ minLength: 1, maxLength: 200 }),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({ ok: Type.Literal(true), nodeId: NonEmptyString, payload: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
});
