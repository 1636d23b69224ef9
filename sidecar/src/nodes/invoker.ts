import { randomUUID } from "node:crypto";
import type { Static } from "@sinclair/typebox";
import type { NodeErrorSchema } from "@clawdbot/protocol";
import { GatewayError, type Reason } from "../errors.js";
import type { NodeRegistry } from "./registry.js";

export interface InvokeOutcome {
  payload?: unknown;
  payloadJSON?: string;
}

interface Pending {
  nodeId: string;
  connId: string;
  command: string;
  resolve: (o: InvokeOutcome) => void;
  reject: (e: GatewayError) => void;
  timer: NodeJS.Timeout;
}

export const DEFAULT_INVOKE_TIMEOUT_MS = 30_000;

const NODE_CODES: Readonly<Record<string, Reason>> = {
  FORBIDDEN: "forbidden",
  INVALID_REQUEST: "params_invalid",
  NOT_FOUND: "not_found",
  AGENT_TIMEOUT: "agent_timeout",
};
export const MAX_RESULT_BYTES = 16 * 1024 * 1024;

/**
 * Routes node.invoke to one node and its node.invoke.result back. The request envelope (ids,
 * timeouts) is built here; the caller's params travel only as an opaque JSON string.
 */
export class NodeInvoker {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly registry: NodeRegistry) {}

  /** Invokes waiting for their node's answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  invoke(req: {
    nodeId: string;
    command: string;
    params: unknown;
    timeoutMs?: number;
    idempotencyKey: string;
    /** An operator's decision the gateway recorded for this request (see ExecGate). */
    approval?: { id: string; decision: "allow-once" | "allow-always" };
  }): Promise<InvokeOutcome> {
    const link = this.registry.link(req.nodeId);
    if (!link) {
      const known = this.registry.describe(req.nodeId) !== undefined;
      return Promise.reject(
        known
          ? new GatewayError("unavailable", `node ${req.nodeId} is not connected`)
          : new GatewayError("not_found", `no node ${req.nodeId}; see node.list`),
      );
    }
    if (!this.registry.commands(req.nodeId).includes(req.command)) {
      return Promise.reject(
        new GatewayError("forbidden", `command ${req.command} is not allowed for node ${req.nodeId} (not declared by it, or not on the gateway allowlist)`),
      );
    }
    const id = randomUUID();
    const timeoutMs = req.timeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS;
    return new Promise<InvokeOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GatewayError("agent_timeout", `node ${req.nodeId} did not answer ${req.command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { nodeId: req.nodeId, connId: link.connId, command: req.command, resolve, reject, timer });
      link.sendEvent("node.invoke.request", {
        id,
        nodeId: req.nodeId,
        command: req.command,
        ...(req.params !== undefined ? { paramsJSON: JSON.stringify(req.params) } : {}),
        timeoutMs,
        idempotencyKey: req.idempotencyKey,
        ...(req.approval ? { approval: req.approval } : {}),
      });
    });
  }

  /** A node's answer; only the node (and socket) the request went to may answer it. */
  result(
    from: { nodeId: string; connId: string },
    res: { id: string; nodeId: string; ok: boolean; payload?: unknown; payloadJSON?: string; error?: Static<typeof NodeErrorSchema> },
  ): void {
    const p = this.pending.get(res.id);
    if (!p || p.nodeId !== from.nodeId || p.connId !== from.connId || res.nodeId !== from.nodeId) {
      throw new GatewayError("forbidden", "no invoke with this id is waiting for this node");
    }
    this.pending.delete(res.id);
    clearTimeout(p.timer);
    if (!res.ok) {
      // The node's own refusals keep their meaning for the operator; anything else is UNAVAILABLE.
      const reason = NODE_CODES[res.error?.code ?? ""] ?? "unavailable";
      p.reject(new GatewayError(reason, `node ${p.nodeId} failed ${p.command}: ${res.error?.message ?? "unknown error"}`, {
        ...(res.error?.code ? { details: { nodeCode: res.error.code } } : {}),
      }));
      return;
    }
    const size = (res.payloadJSON?.length ?? 0) + (res.payload !== undefined ? JSON.stringify(res.payload).length : 0);
    if (size > MAX_RESULT_BYTES) {
      p.reject(new GatewayError("unavailable", `node ${p.nodeId} returned ${size} bytes for ${p.command}; the limit is ${MAX_RESULT_BYTES}`));
      return;
    }
    p.resolve({
      ...(res.payload !== undefined ? { payload: res.payload } : {}),
      ...(res.payloadJSON !== undefined ? { payloadJSON: res.payloadJSON } : {}),
    });
  }

  /** The node's socket went away: everything waiting on it fails now, not at its timeout. */
  nodeGone(nodeId: string, connId: string): void {
    for (const [id, p] of this.pending) {
      if (p.nodeId !== nodeId || p.connId !== connId) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new GatewayError("unavailable", `node ${nodeId} disconnected during ${p.command}`));
    }
  }
}
