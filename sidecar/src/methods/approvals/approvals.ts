import { randomUUID } from "node:crypto";
import { check, ExecApprovalsSnapshotSchema, formatIssues, type ExecApprovalsSnapshot } from "@clawdbot/protocol";
import { GatewayError } from "../../errors.js";
import { PolicyFileError } from "../../approvals/policy-file.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS } from "../../approvals/broker.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type ApprovalsDeps = Pick<GatewayServices, "execPolicy" | "approvals" | "invoker">;

/** `exec.approvals.get`: the gateway's policy file. */
export const execApprovalsGetHandler =
  (s: ApprovalsDeps): Handler<"exec.approvals.get"> =>
  () =>
    s.execPolicy.snapshot().catch(policyError);

/** `exec.approvals.set`: replaces the gateway's policy when baseHash is current. */
export const execApprovalsSetHandler =
  (s: ApprovalsDeps): Handler<"exec.approvals.set"> =>
  ({ file, baseHash }) =>
    s.execPolicy.replace(file, baseHash).catch(policyError);

/** `exec.approvals.node.get`: asks the node (system.execApprovals.get). */
export const execApprovalsNodeGetHandler =
  (s: ApprovalsDeps): Handler<"exec.approvals.node.get"> =>
  ({ nodeId }) =>
    askNode(s, nodeId, "system.execApprovals.get", {});

/** `exec.approvals.node.set`: the node checks baseHash against its own file. */
export const execApprovalsNodeSetHandler =
  (s: ApprovalsDeps): Handler<"exec.approvals.node.set"> =>
  ({ nodeId, file, baseHash }) =>
    askNode(s, nodeId, "system.execApprovals.set", { file, ...(baseHash !== undefined ? { baseHash } : {}) });

/** `exec.approval.request`: waits for an operator's decision (null when nobody answered in time). */
export const execApprovalRequestHandler =
  (s: ApprovalsDeps): Handler<"exec.approval.request"> =>
  async (p) => {
    const asked = s.approvals.ask(
      {
        command: p.command,
        cwd: p.cwd ?? null,
        host: p.host ?? null,
        security: p.security ?? null,
        ask: p.ask ?? null,
        agentId: p.agentId ?? null,
        resolvedPath: p.resolvedPath ?? null,
        sessionKey: p.sessionKey ?? null,
      },
      p.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
      p.id,
    );
    return { id: asked.id, decision: await asked.decision, createdAtMs: asked.createdAtMs, expiresAtMs: asked.expiresAtMs };
  };

/** `exec.approval.resolve`: only operators holding operator.approvals get here (declared scope). */
export const execApprovalResolveHandler =
  (s: ApprovalsDeps): Handler<"exec.approval.resolve"> =>
  ({ id, decision }, { caller }) => {
    if (!s.approvals.resolve(id, decision, caller.client.displayName ?? caller.client.id)) {
      throw new GatewayError("not_found", `no pending exec approval ${id} (already answered, expired or unknown)`);
    }
    return { ok: true as const };
  };

async function askNode(s: ApprovalsDeps, nodeId: string, command: string, params: unknown): Promise<ExecApprovalsSnapshot> {
  const out = await s.invoker.invoke({ nodeId, command, params, idempotencyKey: randomUUID() });
  const payload = out.payload !== undefined ? out.payload : out.payloadJSON !== undefined ? parseJson(out.payloadJSON) : undefined;
  const res = check(ExecApprovalsSnapshotSchema, payload);
  if (!res.ok) throw new GatewayError("unavailable", `node ${nodeId} answered ${command} with something else than a policy snapshot: ${formatIssues(res.issues)}`);
  return res.value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function policyError(err: unknown): never {
  if (err instanceof PolicyFileError) throw new GatewayError(err.kind === "conflict" ? "params_invalid" : "unavailable", err.message);
  throw err;
}
