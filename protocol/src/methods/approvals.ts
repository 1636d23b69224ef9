import { Type, type Static } from "@sinclair/typebox";
import { method } from "./declare.js";
import { EpochMs, NonEmptyString } from "../schema/primitives.js";

/** How much a host lets run: nothing, what its allowlist names, or anything. */
export const ExecSecuritySchema = Type.Union([Type.Literal("deny"), Type.Literal("allowlist"), Type.Literal("full")]);
/** When an operator is asked: never, when the allowlist does not cover the program, or every time. */
export const ExecAskSchema = Type.Union([Type.Literal("off"), Type.Literal("on-miss"), Type.Literal("always")]);
export const ExecDecisionSchema = Type.Union([Type.Literal("allow-once"), Type.Literal("allow-always"), Type.Literal("deny")]);
export type ExecSecurity = Static<typeof ExecSecuritySchema>;
export type ExecAsk = Static<typeof ExecAskSchema>;
export type ExecDecision = Static<typeof ExecDecisionSchema>;

export const ExecAllowlistEntrySchema = Type.Object(
  {
    /** A glob over the program's resolved path (`/usr/bin/*`, `~/bin/tool`). */
    pattern: Type.String({ minLength: 1 }),
    lastUsedAt: Type.Optional(EpochMs),
    lastUsedCommand: Type.Optional(Type.String()),
    lastResolvedPath: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const policyFields = {
  security: Type.Optional(ExecSecuritySchema),
  ask: Type.Optional(ExecAskSchema),
  /** What a request nobody answered in time becomes. */
  askFallback: Type.Optional(ExecSecuritySchema),
  autoAllowSkills: Type.Optional(Type.Boolean()),
};

export const ExecApprovalsDefaultsSchema = Type.Object(policyFields, { additionalProperties: false });
export const ExecApprovalsAgentSchema = Type.Object(
  { ...policyFields, allowlist: Type.Optional(Type.Array(ExecAllowlistEntrySchema)) },
  { additionalProperties: false },
);

/** An exec approvals policy file (the gateway's, or a node's), `version: 1`. */
export const ExecApprovalsFileSchema = Type.Object(
  {
    version: Type.Literal(1),
    socket: Type.Optional(Type.Object({ path: Type.Optional(Type.String()), token: Type.Optional(Type.String()) }, { additionalProperties: false })),
    defaults: Type.Optional(ExecApprovalsDefaultsSchema),
    agents: Type.Optional(Type.Record(Type.String(), ExecApprovalsAgentSchema)),
  },
  { additionalProperties: false },
);
export type ExecApprovalsFile = Static<typeof ExecApprovalsFileSchema>;

/** A policy file as read: where it lives, whether it exists, the hash a `set` must name. */
export const ExecApprovalsSnapshotSchema = Type.Object(
  { path: NonEmptyString, exists: Type.Boolean(), hash: NonEmptyString, file: ExecApprovalsFileSchema },
  { additionalProperties: false },
);
export type ExecApprovalsSnapshot = Static<typeof ExecApprovalsSnapshotSchema>;

/** `file` plus the hash it was based on (required once the file exists). */
export const ExecApprovalsSetParamsSchema = Type.Object(
  { file: ExecApprovalsFileSchema, baseHash: Type.Optional(NonEmptyString) },
  { additionalProperties: false },
);

/** What an operator is asked to approve. Unknown parts are null. */
export const ExecApprovalRequestSchema = Type.Object(
  {
    command: NonEmptyString,
    cwd: Type.Union([Type.String(), Type.Null()]),
    host: Type.Union([Type.String(), Type.Null()]),
    security: Type.Union([Type.String(), Type.Null()]),
    ask: Type.Union([Type.String(), Type.Null()]),
    agentId: Type.Union([Type.String(), Type.Null()]),
    resolvedPath: Type.Union([Type.String(), Type.Null()]),
    sessionKey: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const ExecApprovalRequestedSchema = Type.Object(
  { id: NonEmptyString, request: ExecApprovalRequestSchema, createdAtMs: EpochMs, expiresAtMs: EpochMs },
  { additionalProperties: false },
);
export const ExecApprovalResolvedSchema = Type.Object(
  { id: NonEmptyString, decision: ExecDecisionSchema, resolvedBy: Type.Optional(Type.String()), ts: EpochMs },
  { additionalProperties: false },
);

const admin = { scope: "operator.admin", roles: ["operator"], idempotency: "none" } as const;
const approvals = { scope: "operator.approvals", roles: ["operator"], idempotency: "none" } as const;

export const execApprovalsGet = method({
  ...admin,
  summary: "The gateway's exec approvals policy file.",
  params: Type.Optional(Type.Object({}, { additionalProperties: false })),
  result: ExecApprovalsSnapshotSchema,
});

export const execApprovalsSet = method({
  ...admin,
  summary: "Replaces the gateway's exec approvals policy; refused when baseHash is not the file's current hash.",
  params: ExecApprovalsSetParamsSchema,
  result: ExecApprovalsSnapshotSchema,
});

export const execApprovalsNodeGet = method({
  ...admin,
  summary: "A node's exec approvals policy (asked of the node as system.execApprovals.get).",
  params: Type.Object({ nodeId: NonEmptyString }, { additionalProperties: false }),
  result: ExecApprovalsSnapshotSchema,
});

export const execApprovalsNodeSet = method({
  ...admin,
  summary: "Replaces a node's exec approvals policy (system.execApprovals.set on the node, baseHash guarded there).",
  params: Type.Object(
    { nodeId: NonEmptyString, file: ExecApprovalsFileSchema, baseHash: Type.Optional(NonEmptyString) },
    { additionalProperties: false },
  ),
  result: ExecApprovalsSnapshotSchema,
});

export const execApprovalRequest = method({
  ...approvals,
  summary: "Asks operators to approve a command; answers with their decision (null when nobody answered in time).",
  params: Type.Object(
    {
      id: Type.Optional(NonEmptyString),
      command: NonEmptyString,
      cwd: Type.Optional(Type.String()),
      host: Type.Optional(Type.String()),
      security: Type.Optional(Type.String()),
      ask: Type.Optional(Type.String()),
      agentId: Type.Optional(Type.String()),
      resolvedPath: Type.Optional(Type.String()),
      sessionKey: Type.Optional(Type.String()),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object(
    { id: NonEmptyString, decision: Type.Union([ExecDecisionSchema, Type.Null()]), createdAtMs: EpochMs, expiresAtMs: EpochMs },
    { additionalProperties: false },
  ),
});

export const execApprovalResolve = method({
  ...approvals,
  summary: "Answers a pending exec approval request.",
  params: Type.Object({ id: NonEmptyString, decision: ExecDecisionSchema }, { additionalProperties: false }),
  result: Type.Object({ ok: Type.Literal(true) }, { additionalProperties: false }),
});
