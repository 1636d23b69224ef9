import type { ExecDecision } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { GatewayError } from "../errors.js";
import type { InvokeOutcome, NodeInvoker } from "../nodes/invoker.js";
import type { NodeRegistry } from "../nodes/registry.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS, type ApprovalBroker } from "./broker.js";
import { ExecPolicyFile, PolicyFileError } from "./policy-file.js";
import { fallback, judge, policyFor, withAllowed, type ExecVerdict } from "./policy.js";
import { commandText, readRunRequest, type RunRequest } from "./run-request.js";

export interface InvokeRequest {
  nodeId: string;
  command: string;
  params: unknown;
  timeoutMs?: number;
  idempotencyKey: string;
}

export interface ExecGateDeps {
  invoker: NodeInvoker;
  nodes: NodeRegistry;
  broker: ApprovalBroker;
  /** The gateway's own policy file. */
  policy: ExecPolicyFile;
  now: () => number;
  log: Logger;
}

/** A node's refusal that means "ask an operator, then send it again with the decision". */
export const APPROVAL_REQUIRED = "APPROVAL_REQUIRED";

/** Node commands reachable only through the admin methods exec.approvals.node.get/set. */
export const POLICY_COMMANDS: ReadonlySet<string> = new Set(["system.execApprovals.get", "system.execApprovals.set"]);

/**
 * node.invoke with exec approvals: system.run passes the gateway's policy first, and when that
 * policy or the node asks for an operator's decision, the gateway asks, records the answer and
 * puts it in the envelope it builds. Nothing in the caller's params counts as an approval.
 */
export class ExecGate {
  constructor(private readonly d: ExecGateDeps) {}

  /** node.invoke as operators call it. */
  async invoke(req: InvokeRequest): Promise<InvokeOutcome> {
    if (POLICY_COMMANDS.has(req.command)) {
      throw new GatewayError("forbidden", `${req.command} is reached through exec.approvals.node.get/set (operator.admin), not node.invoke`);
    }
    const run = req.command === "system.run" ? readRunRequest(req.params) : undefined;
    if (!run) return this.d.invoker.invoke(req);
    const approval = await this.gatewayVerdict(req, run);
    try {
      return await this.d.invoker.invoke({ ...req, ...(approval ? { approval } : {}) });
    } catch (err) {
      if (approval || !(err instanceof GatewayError) || nodeCode(err) !== APPROVAL_REQUIRED) throw err;
      const decision = await this.askOperators(req, run, { security: null, ask: null });
      if (decision === null) throw new GatewayError("forbidden", `system.run on node ${req.nodeId} was not approved in time; nothing ran`);
      return this.d.invoker.invoke({ ...req, idempotencyKey: `${req.idempotencyKey}:${decision.id}`, approval: decision });
    }
  }

  /** Applies the gateway's own policy; returns the approval obtained when it asked. */
  private async gatewayVerdict(req: InvokeRequest, run: RunRequest): Promise<{ id: string; decision: "allow-once" | "allow-always" } | undefined> {
    const snapshot = await this.d.policy.snapshot().catch((err: unknown) => {
      if (err instanceof PolicyFileError) throw new GatewayError("forbidden", `system.run refused: ${err.message}`);
      throw err;
    });
    const agentId = run.agentId ?? "main";
    const policy = policyFor(snapshot.file, agentId);
    const program = run.argv[0]!;
    const verdict: ExecVerdict = judge(policy, program);
    if (verdict.action === "run") return undefined;
    if (verdict.action === "refuse") throw new GatewayError("forbidden", `system.run refused by the gateway's exec policy: ${verdict.why}`);
    const decision = await this.askOperators(req, run, { security: policy.security, ask: policy.ask });
    if (decision === null) {
      const late = fallback(policy, program);
      if (late.action === "run") return undefined;
      throw new GatewayError("forbidden", `system.run on node ${req.nodeId} was not approved in time; nothing ran`);
    }
    if (decision.decision === "allow-always") {
      await this.d.policy.update((f) => withAllowed(f, agentId, program, commandText(run.argv), this.d.now()));
    }
    return decision;
  }

  /** Asks operators (waiting at most the invoke's timeout); deny is an error, no answer is null. */
  private async askOperators(
    req: InvokeRequest,
    run: RunRequest,
    policy: { security: string | null; ask: string | null },
  ): Promise<{ id: string; decision: "allow-once" | "allow-always" } | null> {
    const name = this.d.nodes.describe(req.nodeId)?.displayName ?? req.nodeId;
    const asked = this.d.broker.ask(
      {
        command: commandText(run.argv),
        cwd: run.cwd ?? null,
        host: `node:${name}`,
        security: policy.security,
        ask: policy.ask,
        agentId: run.agentId ?? null,
        resolvedPath: null,
        sessionKey: run.sessionKey ?? null,
      },
      req.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    );
    this.d.log.info({ approvalId: asked.id, nodeId: req.nodeId, command: commandText(run.argv) }, "exec approval requested");
    const decision: ExecDecision | null = await asked.decision;
    this.d.log.info({ approvalId: asked.id, nodeId: req.nodeId, decision }, "exec approval settled");
    if (decision === "deny") throw new GatewayError("forbidden", `an operator denied system.run on node ${req.nodeId}; nothing ran`);
    return decision === null ? null : { id: asked.id, decision };
  }
}

function nodeCode(err: GatewayError): unknown {
  return (err.details as { nodeCode?: unknown } | undefined)?.nodeCode;
}
