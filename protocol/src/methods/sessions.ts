import { Type } from "@sinclair/typebox";
import { method } from "./declare.js";
import { EpochMs, NonEmptyString } from "../schema/primitives.js";
import { SessionKeySchema } from "./chat.js";

const read = { scope: "operator.read", roles: ["operator"], idempotency: "none" } as const;
const admin = { scope: "operator.admin", roles: ["operator"], idempotency: "none" } as const;

export const ThinkingLevelSchema = Type.Union(["off", "minimal", "low", "medium", "high"].map((l) => Type.Literal(l)));
export const SendPolicySchema = Type.Union([Type.Literal("allow"), Type.Literal("deny")]);
/** Labels name sessions for people and `sessions.resolve`; one label names one session. */
export const SessionLabelSchema = Type.String({ minLength: 1, maxLength: 64 });

/** The last message of a session, shortened for lists. */
export const SessionLastMessageSchema = Type.Object(
  { role: NonEmptyString, text: Type.String(), timestamp: EpochMs },
  { additionalProperties: false },
);

/** One row of `sessions.list`. */
export const SessionRowSchema = Type.Object(
  {
    key: NonEmptyString,
    kind: Type.Union([Type.Literal("direct"), Type.Literal("group"), Type.Literal("global"), Type.Literal("unknown")]),
    sessionId: NonEmptyString,
    label: Type.Optional(Type.String()),
    displayName: Type.Optional(Type.String()),
    channel: Type.Optional(NonEmptyString),
    /** The chat peer (user or group id on its channel) when the key names one. */
    peer: Type.Optional(NonEmptyString),
    createdAt: EpochMs,
    updatedAt: Type.Union([EpochMs, Type.Null()]),
    messageCount: Type.Integer({ minimum: 0 }),
    /** The model runs of this session use, and the backend that serves it. */
    model: Type.Union([NonEmptyString, Type.Null()]),
    modelProvider: NonEmptyString,
    thinkingLevel: Type.Optional(ThinkingLevelSchema),
    sendPolicy: Type.Optional(SendPolicySchema),
    /** A run of this session is queued or running. */
    active: Type.Boolean(),
    lastMessage: Type.Optional(SessionLastMessageSchema),
    lastMessagePreview: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const sessionsList = method({
  ...read,
  summary: "Sessions (conversations) with their last activity, most recent first.",
  params: Type.Optional(
    Type.Object(
      {
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
        activeMinutes: Type.Optional(Type.Integer({ minimum: 1 })),
        includeGlobal: Type.Optional(Type.Boolean()),
        includeUnknown: Type.Optional(Type.Boolean()),
        includeLastMessage: Type.Optional(Type.Boolean()),
        includeDerivedTitles: Type.Optional(Type.Boolean()),
        label: Type.Optional(SessionLabelSchema),
        search: Type.Optional(Type.String({ maxLength: 200 })),
        spawnedBy: Type.Optional(NonEmptyString),
        agentId: Type.Optional(NonEmptyString),
      },
      { additionalProperties: false },
    ),
  ),
  result: Type.Object(
    {
      ts: EpochMs,
      path: NonEmptyString,
      count: Type.Integer({ minimum: 0 }),
      defaults: Type.Object(
        { model: Type.Union([NonEmptyString, Type.Null()]), modelProvider: NonEmptyString, contextTokens: Type.Union([Type.Integer(), Type.Null()]) },
        { additionalProperties: true },
      ),
      sessions: Type.Array(SessionRowSchema),
    },
    { additionalProperties: true },
  ),
});

export const SessionPreviewItemSchema = Type.Object(
  { role: NonEmptyString, text: Type.String(), timestamp: EpochMs },
  { additionalProperties: false },
);

export const sessionsPreview = method({
  ...read,
  summary: "The last messages of each named session, shortened.",
  params: Type.Object(
    {
      keys: Type.Array(SessionKeySchema, { minItems: 1, maxItems: 64 }),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      maxChars: Type.Optional(Type.Integer({ minimum: 10, maximum: 10_000 })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      ts: EpochMs,
      previews: Type.Array(
        Type.Object(
          {
            key: NonEmptyString,
            status: Type.Union([Type.Literal("ok"), Type.Literal("empty"), Type.Literal("missing"), Type.Literal("error")]),
            items: Type.Array(SessionPreviewItemSchema),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: true },
  ),
});

export const sessionsResolve = method({
  ...read,
  summary: "Finds a session key by key, session id or label.",
  params: Type.Object(
    {
      key: Type.Optional(SessionKeySchema),
      sessionId: Type.Optional(NonEmptyString),
      label: Type.Optional(SessionLabelSchema),
      agentId: Type.Optional(NonEmptyString),
      spawnedBy: Type.Optional(NonEmptyString),
      includeGlobal: Type.Optional(Type.Boolean()),
      includeUnknown: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({ ok: Type.Literal(true), key: NonEmptyString, sessionId: NonEmptyString }, { additionalProperties: true }),
});

/** What `sessions.patch` and `sessions.reset` answer with: the session's stored settings. */
export const SessionEntrySchema = Type.Object(
  {
    sessionId: NonEmptyString,
    createdAt: EpochMs,
    updatedAt: Type.Union([EpochMs, Type.Null()]),
    messageCount: Type.Integer({ minimum: 0 }),
    label: Type.Optional(Type.String()),
    model: Type.Optional(NonEmptyString),
    thinkingLevel: Type.Optional(ThinkingLevelSchema),
    sendPolicy: Type.Optional(SendPolicySchema),
  },
  { additionalProperties: true },
);

export const sessionsPatch = method({
  ...admin,
  summary: "Changes a session's label, model, thinking level or send policy (null clears one).",
  params: Type.Object(
    {
      key: SessionKeySchema,
      label: Type.Optional(Type.Union([SessionLabelSchema, Type.Null()])),
      model: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
      thinkingLevel: Type.Optional(Type.Union([ThinkingLevelSchema, Type.Null()])),
      sendPolicy: Type.Optional(Type.Union([SendPolicySchema, Type.Null()])),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    { ok: Type.Literal(true), path: NonEmptyString, key: NonEmptyString, entry: SessionEntrySchema },
    { additionalProperties: true },
  ),
});

export const sessionsReset = method({
  ...admin,
  summary: "Starts a session over: a new transcript, the old one archived (not deleted).",
  params: Type.Object({ key: SessionKeySchema }, { additionalProperties: false }),
  result: Type.Object(
    { ok: Type.Literal(true), key: NonEmptyString, entry: SessionEntrySchema, archived: Type.Union([NonEmptyString, Type.Null()]) },
    { additionalProperties: true },
  ),
});

export const sessionsDelete = method({
  ...admin,
  summary: "Removes a session (never `main`); its transcript is archived, or deleted when asked.",
  params: Type.Object(
    { key: SessionKeySchema, deleteTranscript: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  result: Type.Object(
    { ok: Type.Literal(true), key: NonEmptyString, deleted: Type.Boolean(), archived: Type.Array(NonEmptyString) },
    { additionalProperties: true },
  ),
});

export const sessionsCompact = method({
  ...admin,
  summary: "Keeps the newest lines of a transcript; older lines move to an archive file.",
  params: Type.Object(
    { key: SessionKeySchema, maxLines: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })) },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      ok: Type.Literal(true),
      key: NonEmptyString,
      compacted: Type.Boolean(),
      kept: Type.Integer({ minimum: 0 }),
      archivedLines: Type.Integer({ minimum: 0 }),
      archived: Type.Union([NonEmptyString, Type.Null()]),
      reason: Type.Optional(Type.String()),
    },
    { additionalProperties: true },
  ),
});

export const chatInject = method({
  ...admin,
  summary: "Adds a note to a session's transcript without running the agent.",
  params: Type.Object(
    {
      sessionKey: SessionKeySchema,
      message: Type.String({ minLength: 1, maxLength: 100_000 }),
      label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({ ok: Type.Literal(true), messageId: NonEmptyString }, { additionalProperties: true }),
});
