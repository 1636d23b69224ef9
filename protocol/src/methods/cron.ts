import { Type, type Static } from "@sinclair/typebox";
import { method } from "./declare.js";
import { EpochMs, NonEmptyString } from "../schema/primitives.js";
import { SessionKeySchema } from "./chat.js";

const read = { scope: "operator.read", roles: ["operator"], idempotency: "none" } as const;
const admin = { scope: "operator.admin", roles: ["operator"], idempotency: "none" } as const;

/** Job ids name run-history files: no separators, nothing hidden. */
export const CronJobIdSchema = Type.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9_-]+$" });

/** When a job runs: once at an instant, every fixed interval, or on a cron expression in a time zone. */
export const CronScheduleSchema = Type.Union([
  Type.Object({ kind: Type.Literal("at"), atMs: EpochMs }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal("every"),
      everyMs: Type.Integer({ minimum: 1000 }),
      /** Runs fall on anchorMs + n·everyMs (default: when the job was added). */
      anchorMs: Type.Optional(EpochMs),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal("cron"),
      expr: Type.String({ minLength: 1, maxLength: 200 }),
      /** IANA time zone (default: the gateway host's). */
      tz: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    },
    { additionalProperties: false },
  ),
]);
export type CronSchedule = Static<typeof CronScheduleSchema>;

const SystemEventPayload = Type.Object(
  { kind: Type.Literal("systemEvent"), text: Type.String({ minLength: 1, maxLength: 10_000 }) },
  { additionalProperties: false },
);
const AgentTurnPayload = Type.Object(
  {
    kind: Type.Literal("agentTurn"),
    message: Type.String({ minLength: 1, maxLength: 100_000 }),
    model: Type.Optional(Type.String()),
    thinking: Type.Optional(Type.String()),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    /** Send the reply to `to` on `channel` through the outbox. */
    deliver: Type.Optional(Type.Boolean()),
    channel: Type.Optional(Type.String()),
    /** Older clients name the channel `provider`. */
    provider: Type.Optional(Type.String()),
    to: Type.Optional(Type.String()),
    bestEffortDeliver: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
/** What a job does: note a system event in the main session, or run an agent turn. */
export const CronPayloadSchema = Type.Union([SystemEventPayload, AgentTurnPayload]);
export type CronPayload = Static<typeof CronPayloadSchema>;

/** Where a job's agent turn runs: the main session, its own `cron:<id>` session, or a named one. */
export const CronSessionTargetSchema = Type.Union([
  Type.Literal("main"),
  Type.Literal("isolated"),
  Type.String({ pattern: "^session:[A-Za-z0-9:_.@+-]{1,200}$" }),
]);
export const CronWakeModeSchema = Type.Union([Type.Literal("now"), Type.Literal("next-heartbeat")]);
export const CronRunStatusSchema = Type.Union([Type.Literal("ok"), Type.Literal("error"), Type.Literal("skipped")]);
/** A run's delivery: none asked, waiting in the outbox, delivered, or given up. */
export const CronDeliveryStatusSchema = Type.Union([
  Type.Literal("not-requested"),
  Type.Literal("pending"),
  Type.Literal("delivered"),
  Type.Literal("not-delivered"),
]);
/** A missed run is made up once at start-up, or skipped until the next time. */
export const CronCatchUpSchema = Type.Union([Type.Literal("once"), Type.Literal("skip")]);

export const CronJobStateSchema = Type.Object(
  {
    nextRunAtMs: Type.Optional(EpochMs),
    runningAtMs: Type.Optional(EpochMs),
    lastRunAtMs: Type.Optional(EpochMs),
    lastStatus: Type.Optional(CronRunStatusSchema),
    lastError: Type.Optional(Type.String()),
    lastDurationMs: Type.Optional(Type.Integer({ minimum: 0 })),
    lastDeliveryStatus: Type.Optional(CronDeliveryStatusSchema),
    lastDeliveryError: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const JobFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  enabled: Type.Optional(Type.Boolean()),
  deleteAfterRun: Type.Optional(Type.Boolean()),
  catchUp: Type.Optional(CronCatchUpSchema),
  schedule: CronScheduleSchema,
  sessionTarget: CronSessionTargetSchema,
  wakeMode: CronWakeModeSchema,
  payload: CronPayloadSchema,
};

export const CronJobSchema = Type.Object(
  {
    id: CronJobIdSchema,
    ...JobFields,
    enabled: Type.Boolean(),
    createdAtMs: EpochMs,
    updatedAtMs: EpochMs,
    state: CronJobStateSchema,
  },
  { additionalProperties: false },
);
export type CronJob = Static<typeof CronJobSchema>;

export const CronAddParamsSchema = Type.Object(JobFields, { additionalProperties: false });
export type CronAddParams = Static<typeof CronAddParamsSchema>;

export const CronJobPatchSchema = Type.Partial(CronAddParamsSchema, { additionalProperties: false });

export const CronRunLogEntrySchema = Type.Object(
  {
    ts: EpochMs,
    jobId: NonEmptyString,
    action: Type.Literal("finished"),
    status: CronRunStatusSchema,
    error: Type.Optional(Type.String()),
    summary: Type.Optional(Type.String()),
    runAtMs: EpochMs,
    durationMs: Type.Integer({ minimum: 0 }),
    nextRunAtMs: Type.Optional(EpochMs),
    runId: NonEmptyString,
    sessionKey: Type.Optional(NonEmptyString),
    /** The time the run was due; `late` when it started well after that (the gateway was down). */
    scheduledAtMs: Type.Optional(EpochMs),
    late: Type.Optional(Type.Boolean()),
    trigger: Type.Union([Type.Literal("schedule"), Type.Literal("catch-up"), Type.Literal("manual")]),
    deliveryStatus: CronDeliveryStatusSchema,
    delivered: Type.Optional(Type.Boolean()),
    deliveryError: Type.Optional(Type.String()),
    /** Delivery attempts so far and why the failed ones failed (the outbox retries). */
    deliveryAttempts: Type.Optional(Type.Integer({ minimum: 0 })),
    deliveryErrors: Type.Optional(Type.Array(Type.String())),
    outboxId: Type.Optional(NonEmptyString),
  },
  { additionalProperties: true },
);
export type CronRunLogEntry = Static<typeof CronRunLogEntrySchema>;

/** The `cron` event: every change of a job's state. */
export const CronEventSchema = Type.Object(
  {
    jobId: NonEmptyString,
    action: Type.Union(["added", "updated", "removed", "started", "finished"].map((a) => Type.Literal(a))),
    ts: EpochMs,
    runAtMs: Type.Optional(EpochMs),
    durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
    status: Type.Optional(CronRunStatusSchema),
    error: Type.Optional(Type.String()),
    summary: Type.Optional(Type.String()),
    nextRunAtMs: Type.Optional(EpochMs),
    late: Type.Optional(Type.Boolean()),
    deliveryStatus: Type.Optional(CronDeliveryStatusSchema),
  },
  { additionalProperties: false },
);
export type CronEvent = Static<typeof CronEventSchema>;

export const cronList = method({
  ...read,
  summary: "Scheduled jobs, soonest first (disabled ones only when asked).",
  params: Type.Optional(Type.Object({ includeDisabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
  result: Type.Object({ jobs: Type.Array(CronJobSchema) }, { additionalProperties: true }),
});

export const cronStatus = method({
  ...read,
  summary: "Whether the scheduler runs, when it next wakes, how many jobs it has.",
  params: Type.Optional(Type.Object({}, { additionalProperties: false })),
  result: Type.Object(
    {
      enabled: Type.Boolean(),
      storePath: NonEmptyString,
      jobs: Type.Integer({ minimum: 0 }),
      enabledJobs: Type.Integer({ minimum: 0 }),
      runningJobs: Type.Integer({ minimum: 0 }),
      nextWakeAtMs: Type.Union([EpochMs, Type.Null()]),
    },
    { additionalProperties: true },
  ),
});

export const cronAdd = method({
  ...admin,
  summary: "Adds a job; answers it with its id and next run time.",
  params: CronAddParamsSchema,
  result: CronJobSchema,
});

export const cronUpdate = method({
  ...admin,
  summary: "Changes a job (a new schedule recomputes its next run).",
  params: Type.Object({ id: CronJobIdSchema, patch: CronJobPatchSchema }, { additionalProperties: false }),
  result: CronJobSchema,
});

export const cronRemove = method({
  ...admin,
  summary: "Removes a job (its run history stays readable).",
  params: Type.Object({ id: CronJobIdSchema }, { additionalProperties: false }),
  result: Type.Object({ ok: Type.Literal(true), removed: Type.Boolean() }, { additionalProperties: true }),
});

export const cronRun = method({
  scope: "operator.admin",
  roles: ["operator"],
  idempotency: "optional",
  summary: "Runs a job now (force) or only if it is due (due); answers when the run finished.",
  params: Type.Object(
    {
      id: CronJobIdSchema,
      mode: Type.Optional(Type.Union([Type.Literal("force"), Type.Literal("due")])),
      idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    {
      ok: Type.Literal(true),
      ran: Type.Boolean(),
      reason: Type.Optional(Type.Union([Type.Literal("not-due"), Type.Literal("already-running"), Type.Literal("disabled")])),
      entry: Type.Optional(CronRunLogEntrySchema),
    },
    { additionalProperties: true },
  ),
});

export const cronRuns = method({
  ...read,
  summary: "A job's run history, oldest first (the last `limit` runs).",
  params: Type.Object(
    { id: CronJobIdSchema, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) },
    { additionalProperties: false },
  ),
  result: Type.Object({ entries: Type.Array(CronRunLogEntrySchema) }, { additionalProperties: true }),
});

export const wake = method({
  ...admin,
  summary: "Notes a system event for a session (the main one unless sessionKey names another) and runs the heartbeat now or at the next one.",
  params: Type.Object(
    {
      mode: CronWakeModeSchema,
      text: Type.String({ minLength: 1, maxLength: 10_000 }),
      /** The session whose next turn gets the event; the main session when absent. */
      sessionKey: Type.Optional(SessionKeySchema),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    { ok: Type.Literal(true), mode: CronWakeModeSchema, sessionKey: SessionKeySchema, pending: Type.Integer({ minimum: 0 }) },
    { additionalProperties: true },
  ),
});
