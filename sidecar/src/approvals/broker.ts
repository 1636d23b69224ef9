import { randomUUID } from "node:crypto";
import type { EventPayload, ExecDecision } from "@clawdbot/protocol";
import { GatewayError } from "../errors.js";

type Request = EventPayload<"exec.approval.requested">["request"];

export interface BrokerDeps {
  now: () => number;
  /** Announces a new request to the operators who may answer it. */
  requested(payload: EventPayload<"exec.approval.requested">): void;
  resolved(payload: EventPayload<"exec.approval.resolved">): void;
}

interface Pending {
  createdAtMs: number;
  expiresAtMs: number;
  settle: (d: ExecDecision | null) => void;
  timer: NodeJS.Timeout;
}

export const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000;

/** Open approval requests: each waits for one operator decision or its deadline (then null). */
export class ApprovalBroker {
  private readonly open = new Map<string, Pending>();

  constructor(private readonly deps: BrokerDeps) {}

  /** Files a request and announces it; `decision` settles with the answer, or null at the deadline. */
  ask(request: Request, timeoutMs: number, id?: string): { id: string; createdAtMs: number; expiresAtMs: number; decision: Promise<ExecDecision | null> } {
    const key = id ?? randomUUID();
    if (this.open.has(key)) throw new GatewayError("params_invalid", `approval ${key} is already pending; use another id`);
    const createdAtMs = this.deps.now();
    const expiresAtMs = createdAtMs + timeoutMs;
    let settle!: (d: ExecDecision | null) => void;
    const decision = new Promise<ExecDecision | null>((resolve) => {
      settle = (d) => {
        const p = this.open.get(key);
        if (!p) return;
        clearTimeout(p.timer);
        this.open.delete(key);
        resolve(d);
      };
    });
    const timer = setTimeout(() => settle(null), timeoutMs);
    timer.unref();
    this.open.set(key, { createdAtMs, expiresAtMs, settle, timer });
    this.deps.requested({ id: key, request, createdAtMs, expiresAtMs });
    return { id: key, createdAtMs, expiresAtMs, decision };
  }

  /** An operator's answer; false when no such request is open (answered, expired or unknown). */
  resolve(id: string, decision: ExecDecision, resolvedBy: string | undefined): boolean {
    const p = this.open.get(id);
    if (!p) return false;
    p.settle(decision);
    this.deps.resolved({ id, decision, ...(resolvedBy ? { resolvedBy } : {}), ts: this.deps.now() });
    return true;
  }

  /** Number of requests waiting for an answer. */
  get size(): number {
    return this.open.size;
  }

  /** Shutdown: every open request ends unanswered. */
  closeAll(): void {
    for (const p of [...this.open.values()]) p.settle(null);
  }
}
