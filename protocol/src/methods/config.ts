import { Type } from "@sinclair/typebox";
import { method } from "./declare.js";
import { NonEmptyString, OpenObject } from "../schema/primitives.js";

const admin = { scope: "operator.admin", roles: ["operator"], idempotency: "none" } as const;
const NoParams = Type.Optional(Type.Object({}, { additionalProperties: false }));

/** A problem with the config file, at a dotted key path (`gateway.port`, or `(file)`). */
export const ConfigIssueSchema = Type.Object({ path: Type.String(), message: NonEmptyString }, { additionalProperties: false });

/** How a settings form shows one key. */
export const ConfigUiHintSchema = Type.Object(
  {
    label: Type.Optional(Type.String()),
    help: Type.Optional(Type.String()),
    group: Type.Optional(Type.String()),
    order: Type.Optional(Type.Integer()),
    advanced: Type.Optional(Type.Boolean()),
    /** A secret: shown redacted, never sent back by the gateway. */
    sensitive: Type.Optional(Type.Boolean()),
    placeholder: Type.Optional(Type.String()),
    /** Changing it takes a gateway restart. */
    restartRequired: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const configGet = method({
  ...admin,
  summary: "The config file as it is on disk: text and parsed form with secrets redacted, its hash, and whether it is valid.",
  params: NoParams,
  result: Type.Object(
    {
      path: NonEmptyString,
      exists: Type.Boolean(),
      /** SHA-256 of the file's bytes; the baseHash for config.set/patch/apply ("" when there is no file). */
      hash: Type.String(),
      raw: Type.Union([Type.String(), Type.Null()]),
      parsed: Type.Union([OpenObject, Type.Null()]),
      valid: Type.Boolean(),
      config: OpenObject,
      issues: Type.Array(ConfigIssueSchema),
      warnings: Type.Array(ConfigIssueSchema),
    },
    { additionalProperties: true },
  ),
});

export const configSchema = method({
  ...admin,
  summary: "JSON Schema of clawdbot.json with hints for settings forms.",
  params: NoParams,
  result: Type.Object(
    { schema: OpenObject, uiHints: Type.Record(Type.String(), ConfigUiHintSchema), version: NonEmptyString, generatedAt: NonEmptyString },
    { additionalProperties: true },
  ),
});

/** What a config write answers: what changed, what took effect now, what waits for a restart. */
export const ConfigWriteResultSchema = Type.Object(
  {
    ok: Type.Literal(true),
    path: NonEmptyString,
    hash: Type.String(),
    config: OpenObject,
    /** Dotted key paths that changed. */
    changed: Type.Array(Type.String()),
    /** Changes the running gateway applied. */
    live: Type.Array(Type.String()),
    /** Changes that take effect after a restart. */
    restartRequired: Type.Array(Type.String()),
    restart: Type.Object(
      { scheduled: Type.Boolean(), delayMs: Type.Optional(Type.Integer({ minimum: 0 })), reason: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
    warnings: Type.Array(Type.String()),
  },
  { additionalProperties: true },
);

const BaseHash = Type.Optional(Type.String({ maxLength: 128 }));
const Raw = Type.String({ minLength: 1, maxLength: 1_000_000 });
const RestartDelay = Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 }));

export const configSet = method({
  ...admin,
  summary: "Replaces the config file (JSON5 text) when baseHash still matches, and applies it.",
  params: Type.Object({ raw: Raw, baseHash: BaseHash }, { additionalProperties: false }),
  result: ConfigWriteResultSchema,
});

export const configPatch = method({
  ...admin,
  summary: "Merges a JSON merge patch (null removes a key) into the config file when baseHash still matches, and applies it.",
  params: Type.Object(
    { raw: Raw, baseHash: BaseHash, note: Type.Optional(Type.String({ maxLength: 500 })), restartDelayMs: RestartDelay, sessionKey: Type.Optional(Type.String()) },
    { additionalProperties: false },
  ),
  result: ConfigWriteResultSchema,
});

export const configApply = method({
  ...admin,
  summary: "Replaces the config file when baseHash still matches, applies it, and restarts after restartDelayMs when a change needs it.",
  params: Type.Object(
    { raw: Raw, baseHash: BaseHash, note: Type.Optional(Type.String({ maxLength: 500 })), restartDelayMs: RestartDelay, sessionKey: Type.Optional(Type.String()) },
    { additionalProperties: false },
  ),
  result: ConfigWriteResultSchema,
});
