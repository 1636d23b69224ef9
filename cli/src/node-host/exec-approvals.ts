import { Type } from "@sinclair/typebox";
import { check, ExecApprovalsSetParamsSchema, formatIssues, type ExecApprovalsSnapshot } from "@clawdbot/protocol";
import { ExecPolicyFile, PolicyFileError, judge, policyFor, withAllowed } from "@clawdbot/sidecar/approvals";
import { NodeCommandError } from "./errors.js";

/** The decision the gateway put in the envelope of one node.invoke.request. */
export interface EnvelopeApproval {
  id: string;
  decision: "allow-once" | "allow-always";
}

/** What system.run is about to start. */
export interface RunSubject {
  argv: readonly string[];
  resolvedPath: string;
  agentId: string | undefined;
}

const GetParams = Type.Object({}, { additionalProperties: false });
const USED_KEEP = 5000;

/**
 * This node's own exec policy (`<stateDir>/node/exec-approvals.json`), enforced before every
 * system.run whatever the gateway decided: an operator's approval counts only when it arrives in
 * the gateway's envelope, and each allow-once approval is used once.
 */
export class NodeExecApprovals {
  private readonly used = new Set<string>();

  constructor(
    private readonly file: ExecPolicyFile,
    private readonly now: () => number,
  ) {}

  /** system.execApprovals.get */
  async get(raw: unknown): Promise<ExecApprovalsSnapshot> {
    const res = check(GetParams, raw ?? {});
    if (!res.ok) throw new NodeCommandError("INVALID_REQUEST", `system.execApprovals.get takes no params: ${formatIssues(res.issues)}`);
    return this.file.snapshot().catch(asNodeError);
  }

  /** system.execApprovals.set: refused unless baseHash is the file's current hash. */
  async set(raw: unknown): Promise<ExecApprovalsSnapshot> {
    const res = check(ExecApprovalsSetParamsSchema, raw);
    if (!res.ok) throw new NodeCommandError("INVALID_REQUEST", `system.execApprovals.set needs {file, baseHash?}: ${formatIssues(res.issues)}`);
    return this.file.replace(res.value.file, res.value.baseHash).catch(asNodeError);
  }

  /** Throws unless the policy lets this run go ahead (APPROVAL_REQUIRED when an operator must say yes first). */
  async admit(run: RunSubject, approval: EnvelopeApproval | undefined): Promise<void> {
    const snapshot = await this.file.snapshot().catch((err: unknown) => {
      // A policy that cannot be read allows nothing.
      throw new NodeCommandError("FORBIDDEN", `system.run refused: ${(err as Error).message}`);
    });
    const agentId = run.agentId ?? "main";
    const verdict = judge(policyFor(snapshot.file, agentId), run.resolvedPath);
    if (verdict.action === "refuse") throw new NodeCommandError("FORBIDDEN", `system.run refused by this node's exec policy: ${verdict.why}`);
    if (verdict.action === "run") return;
    if (!approval) {
      throw new NodeCommandError("APPROVAL_REQUIRED", `this node's exec policy asks an operator to approve ${run.resolvedPath} first`);
    }
    if (this.used.has(approval.id)) throw new NodeCommandError("FORBIDDEN", `approval ${approval.id} was already used; ask again`);
    this.used.add(approval.id);
    if (this.used.size > USED_KEEP) this.used.delete(this.used.values().next().value as string);
    if (approval.decision === "allow-always") {
      await this.file.update((f) => withAllowed(f, agentId, run.resolvedPath, run.argv.join(" "), this.now())).catch(asNodeError);
    }
  }
}

function asNodeError(err: unknown): never {
  if (err instanceof PolicyFileError) throw new NodeCommandError(err.kind === "conflict" ? "INVALID_REQUEST" : "UNAVAILABLE", err.message);
  throw err;
}
