import { Type } from "@sinclair/typebox";
import { method } from "./declare.js";
import { EpochMs, NonEmptyString, OpenObject } from "../schema/primitives.js";

/** Session keys name transcript files too: a conservative alphabet, no path separators. */
export const SessionKeySchema = Type.String({ minLength: 1, maxLength: 200, pattern: "^[A-Za-z0-9:_.@+-]+$" });
const IdemKey = Type.String({ minLength: 1, maxLength: 200 });
const Message = Type.String({ minLength: 1, maxLength: 100_000 });

export const RunStatusSchema = Type.Union([
  Type.Literal("ok"),
  Type.Literal("error"),
  Type.Literal("aborted"),
  Type.Literal("timeout"),
]);

/** One transcript entry as clients see it (`content` blocks like the reference clients expect). */
export const ChatMessageSchema = Type.Object(
  {
    role: Type.Union([Type.Literal("user"), Type.Literal("assistant"), Type.Literal("system")]),
    content: Type.Array(Type.Object({ type: Type.Literal("text"), text: Type.String() }, { additionalProperties: false })),
    timestamp: EpochMs,
    runId: Type.Optional(NonEmptyString),
    channel: Type.Optional(NonEmptyString),
    senderName: Type.Optional(Type.String()),
    /** How an agent reply that did not complete ended (absent on completed replies). */
    stopReason: Type.Optional(RunStatusSchema),
    /** Why it failed: the backend's cause or the timeout and the setting that set it. */
    errorMessage: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const write = { scope: "operator.write", roles: ["operator"] } as const;
const read = { scope: "operator.read", roles: ["operator"] } as const;

export const send = method({
  ...write,
  idempotency: "required",
  summary: "Send a message out on a channel; persisted before the ack, retried until delivered.",
  params: Type.Object(
    {
      to: NonEmptyString,
      message: Type.String({ maxLength: 100_000 }),
      channel: Type.Optional(NonEmptyString),
      accountId: Type.Optional(NonEmptyString),
      mediaUrl: Type.Optional(NonEmptyString),
      mediaUrls: Type.Optional(Type.Array(NonEmptyString, { maxItems: 10 })),
      sessionKey: Type.Optional(SessionKeySchema),
      replyTo: Type.Optional(NonEmptyString),
      /** Send media as a looping animation (GIF) rather than a file. */
      gifPlayback: Type.Optional(Type.Boolean()),
      idempotencyKey: IdemKey,
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      /** The request's idempotencyKey: the id clients track this send by. */
      runId: NonEmptyString,
      messageId: NonEmptyString,
      channel: NonEmptyString,
      to: NonEmptyString,
      status: Type.Union([Type.Literal("sent"), Type.Literal("queued")]),
      providerMessageIds: Type.Optional(Type.Array(Type.String())),
    },
    { additionalProperties: true },
  ),
});

export const agent = method({
  ...write,
  idempotency: "required",
  twoPhase: true,
  summary: "Run the agent on a message: answers {runId, status:'accepted'} then the final result.",
  params: Type.Object(
    {
      message: Message,
      agentId: Type.Optional(NonEmptyString),
      sessionKey: Type.Optional(SessionKeySchema),
      channel: Type.Optional(NonEmptyString),
      to: Type.Optional(NonEmptyString),
      deliver: Type.Optional(Type.Boolean()),
      /** Seconds; larger values are clamped to the configured agent.maxTimeoutMs. */
      timeout: Type.Optional(Type.Integer({ minimum: 0 })),
      thinking: Type.Optional(Type.String()),
      extraSystemPrompt: Type.Optional(Type.String()),
      label: Type.Optional(Type.String()),
      /** Picks the session by its id (a fresh one when no session has it). */
      sessionId: Type.Optional(NonEmptyString),
      /** Where the reply goes when delivered (overrides `to`, `channel`, `accountId`). */
      replyTo: Type.Optional(NonEmptyString),
      replyChannel: Type.Optional(NonEmptyString),
      accountId: Type.Optional(NonEmptyString),
      replyAccountId: Type.Optional(NonEmptyString),
      /** Thread/topic of the chat the reply goes to. */
      threadId: Type.Optional(NonEmptyString),
      /** The group this turn belongs to; picks its session when none is named. */
      groupId: Type.Optional(NonEmptyString),
      groupChannel: Type.Optional(NonEmptyString),
      groupSpace: Type.Optional(NonEmptyString),
      /** Queue lane: runs of one session and lane go one at a time. */
      lane: Type.Optional(NonEmptyString),
      /** Session key of the run that started this one. */
      spawnedBy: Type.Optional(NonEmptyString),
      attachments: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 10 })),
      idempotencyKey: IdemKey,
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      runId: NonEmptyString,
      status: Type.Union([Type.Literal("accepted"), RunStatusSchema]),
      acceptedAt: Type.Optional(EpochMs),
      sessionKey: Type.Optional(NonEmptyString),
      summary: Type.Optional(Type.String()),
      result: Type.Optional(OpenObject),
    },
    { additionalProperties: true },
  ),
});

export const agentWait = method({
  ...write,
  idempotency: "none",
  summary: "Wait for an agent run to finish.",
  params: Type.Object(
    { runId: NonEmptyString, timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })) },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      runId: NonEmptyString,
      status: Type.Union([RunStatusSchema, Type.Literal("running")]),
      text: Type.Optional(Type.String()),
      error: Type.Optional(Type.String()),
      startedAt: Type.Optional(EpochMs),
      endedAt: Type.Optional(EpochMs),
    },
    { additionalProperties: true },
  ),
});

export const chatHistory = method({
  ...read,
  idempotency: "none",
  summary: "A session's transcript (most recent last).",
  params: Type.Object(
    { sessionKey: SessionKeySchema, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      sessionKey: NonEmptyString,
      messages: Type.Array(ChatMessageSchema),
      /** The transcript's id (changes on sessions.reset); null before the session's first message. */
      sessionId: Type.Optional(Type.Union([NonEmptyString, Type.Null()])),
      /** The session's thinking level; null when none is set. */
      thinkingLevel: Type.Optional(Type.Union([NonEmptyString, Type.Null()])),
    },
    { additionalProperties: true },
  ),
});

export const chatSend = method({
  ...write,
  idempotency: "required",
  summary: "Send a chat message into a session; the reply streams as `chat` events.",
  params: Type.Object(
    {
      sessionKey: SessionKeySchema,
      /** May be empty when attachments carry the message. */
      message: Type.String({ maxLength: 100_000 }),
      thinking: Type.Optional(Type.String()),
      deliver: Type.Optional(Type.Boolean()),
      attachments: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 10 })),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
      idempotencyKey: IdemKey,
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    { runId: NonEmptyString, status: Type.Union([Type.Literal("started"), Type.Literal("queued")]) },
    { additionalProperties: true },
  ),
});

export const chatAbort = method({
  ...write,
  idempotency: "none",
  summary: "Abort the active (or a given) run of a session.",
  params: Type.Object(
    { sessionKey: SessionKeySchema, runId: Type.Optional(NonEmptyString) },
    { additionalProperties: false },
  ),
  result: Type.Object(
    { ok: Type.Literal(true), aborted: Type.Boolean(), runIds: Type.Array(NonEmptyString) },
    { additionalProperties: false },
  ),
});

/** Why messages did not reach the agent, counted per account. */
export const DropCountsSchema = Type.Object(
  {
    not_allowed: Type.Integer({ minimum: 0 }),
    group_not_allowed: Type.Integer({ minimum: 0 }),
    no_mention: Type.Integer({ minimum: 0 }),
    history: Type.Integer({ minimum: 0 }),
    duplicate: Type.Integer({ minimum: 0 }),
    own_message: Type.Integer({ minimum: 0 }),
    bot: Type.Integer({ minimum: 0 }),
    broadcast: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: true },
);

/** An external program a channel account runs and supervises (signal-cli, imsg). */
export const ProgramStatusSchema = Type.Object(
  {
    name: NonEmptyString,
    state: Type.Union(["stopped", "starting", "running", "restarting", "stopping"].map((s) => Type.Literal(s))),
    pid: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    /** Times it died and was started again. */
    restarts: Type.Integer({ minimum: 0 }),
    startedAt: Type.Union([EpochMs, Type.Null()]),
    /** The last line it wrote to stderr. */
    lastStderr: Type.Union([Type.String(), Type.Null()]),
    lastExit: Type.Union([
      Type.Object(
        { code: Type.Union([Type.Integer(), Type.Null()]), signal: Type.Union([Type.String(), Type.Null()]), at: EpochMs, lastStderr: Type.Union([Type.String(), Type.Null()]) },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    lastError: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

/** A channel's summary (its default account), as `channels.status` reports it under `channels`. */
export const ChannelStatusSchema = Type.Object(
  {
    configured: Type.Boolean(),
    running: Type.Boolean(),
    connected: Type.Boolean(),
    linked: Type.Optional(Type.Boolean()),
    /** The provider-side identity (bot username, phone number) once known. */
    accountId: Type.Optional(Type.String()),
    lastError: Type.Union([Type.String(), Type.Null()]),
    lastInboundAt: Type.Union([EpochMs, Type.Null()]),
    lastPollAt: Type.Union([EpochMs, Type.Null()]),
    restarts: Type.Integer({ minimum: 0 }),
    outboxPending: Type.Integer({ minimum: 0 }),
    program: Type.Optional(ProgramStatusSchema),
  },
  { additionalProperties: true },
);

/** One account of a channel (shape shared with the reference clients). */
export const ChannelAccountSnapshotSchema = Type.Object(
  {
    accountId: NonEmptyString,
    name: Type.Optional(Type.String()),
    enabled: Type.Boolean(),
    configured: Type.Boolean(),
    linked: Type.Optional(Type.Boolean()),
    running: Type.Boolean(),
    connected: Type.Boolean(),
    reconnectAttempts: Type.Optional(Type.Integer({ minimum: 0 })),
    lastConnectedAt: Type.Union([EpochMs, Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    lastInboundAt: Type.Union([EpochMs, Type.Null()]),
    lastOutboundAt: Type.Union([EpochMs, Type.Null()]),
    lastProbeAt: Type.Optional(EpochMs),
    dmPolicy: Type.Optional(Type.String()),
    allowFrom: Type.Optional(Type.Array(Type.String())),
    probe: Type.Optional(Type.Unknown()),
    /** Messages waiting in the outbox for this account. */
    queued: Type.Integer({ minimum: 0 }),
    /** Why inbound messages were not passed to the agent. */
    dropped: DropCountsSchema,
    /** The program the account supervises, when it runs one. */
    program: Type.Optional(ProgramStatusSchema),
  },
  { additionalProperties: true },
);

export const ChannelUiMetaSchema = Type.Object(
  { id: NonEmptyString, label: NonEmptyString, detailLabel: NonEmptyString },
  { additionalProperties: false },
);

export const channelsStatus = method({
  ...read,
  idempotency: "none",
  summary: "State of every configured channel and each of its accounts; `probe` asks each account's provider, bounded by `timeoutMs`.",
  params: Type.Optional(
    Type.Object(
      { probe: Type.Optional(Type.Boolean()), timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })) },
      { additionalProperties: false },
    ),
  ),
  result: Type.Object(
    {
      ts: EpochMs,
      channelOrder: Type.Array(NonEmptyString),
      channelLabels: Type.Record(Type.String(), NonEmptyString),
      channelDetailLabels: Type.Optional(Type.Record(Type.String(), NonEmptyString)),
      channelMeta: Type.Optional(Type.Array(ChannelUiMetaSchema)),
      channels: Type.Record(Type.String(), ChannelStatusSchema),
      channelAccounts: Type.Record(Type.String(), Type.Array(ChannelAccountSnapshotSchema)),
      channelDefaultAccountId: Type.Record(Type.String(), NonEmptyString),
    },
    { additionalProperties: true },
  ),
});

export const channelsLogout = method({
  scope: "operator.admin",
  roles: ["operator"],
  idempotency: "none",
  summary: "Stop a channel and forget its stored credentials.",
  params: Type.Object(
    { channel: NonEmptyString, accountId: Type.Optional(NonEmptyString) },
    { additionalProperties: false },
  ),
  result: Type.Object(
    { channel: NonEmptyString, stopped: Type.Boolean(), cleared: Type.Boolean() },
    { additionalProperties: true },
  ),
});

/** Channel DM pairing (unknown senders get a code; the owner approves it). */
export const ChannelPairingSchema = Type.Object(
  {
    channel: NonEmptyString,
    /** The channel account the request came in on. */
    accountId: Type.Optional(NonEmptyString),
    code: NonEmptyString,
    senderId: NonEmptyString,
    senderName: Type.Optional(Type.String()),
    chatId: NonEmptyString,
    ts: EpochMs,
  },
  { additionalProperties: false },
);

export const channelPairingList = method({
  scope: "operator.pairing",
  roles: ["operator"],
  idempotency: "none",
  summary: "Pending channel pairing codes and approved senders.",
  params: Type.Optional(Type.Object({ channel: Type.Optional(NonEmptyString) }, { additionalProperties: false })),
  result: Type.Object(
    {
      pending: Type.Array(ChannelPairingSchema),
      approved: Type.Array(
        Type.Object(
          { channel: NonEmptyString, senderId: NonEmptyString, senderName: Type.Optional(Type.String()), approvedAt: EpochMs },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
});

export const channelPairingApprove = method({
  scope: "operator.pairing",
  roles: ["operator"],
  idempotency: "none",
  summary: "Approve a channel sender by its pairing code.",
  params: Type.Object({ channel: NonEmptyString, code: NonEmptyString }, { additionalProperties: false }),
  result: Type.Object({ channel: NonEmptyString, senderId: NonEmptyString }, { additionalProperties: false }),
});

export const channelPairingReject = method({
  scope: "operator.pairing",
  roles: ["operator"],
  idempotency: "none",
  summary: "Reject a channel pairing code.",
  params: Type.Object({ channel: NonEmptyString, code: NonEmptyString }, { additionalProperties: false }),
  result: Type.Object({ channel: NonEmptyString, senderId: NonEmptyString }, { additionalProperties: false }),
});
