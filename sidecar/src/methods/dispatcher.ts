import {
  check,
  formatIssues,
  isOptionalSchema,
  scopeSatisfied,
  type MethodDecl,
  type RequestFrame,
} from "@clawdbot/protocol";
import type { Logger } from "pino";
import { GatewayError, toErrorShape } from "../errors.js";
import { callerKey, type CallContext, type Caller, type AnyHandler } from "./context.js";
import { DedupeCache, type Outcome } from "./dedupe.js";

/**
 * Runs a request through authorize → validate → dedupe → execute. Every step fails with a
 * GatewayError whose reason maps to the wire code; nothing a handler throws escapes.
 */
export class Dispatcher {
  constructor(
    private readonly decls: Readonly<Record<string, MethodDecl>>,
    private readonly handlers: Readonly<Record<string, AnyHandler>>,
    private readonly dedupe: DedupeCache,
    private readonly log: Logger,
  ) {}

  private served: string[] | undefined;

  /** Method names this dispatcher serves (hello-ok.features.methods); computed once. */
  methods(): string[] {
    this.served ??= Object.keys(this.decls).filter((m) => this.handlers[m] !== undefined);
    return this.served;
  }

  async dispatch(req: RequestFrame, caller: Caller, accept: (payload: unknown) => void): Promise<Outcome> {
    try {
      const decl = this.authorize(req.method, caller);
      const params = this.validate(decl, req);
      const ctx: CallContext = { caller, accept };
      if (decl.idempotency === "none") return await this.execute(req.method, params, ctx);
      const key = idempotencyKey(params);
      if (key === undefined) {
        if (decl.idempotency === "required") {
          throw new GatewayError("idempotency_key_missing", `${req.method} needs params.idempotencyKey so a retry cannot repeat it`);
        }
        return await this.execute(req.method, params, ctx);
      }
      const dedupeKey = `${callerKey(caller)}\u0000${req.method}\u0000${key}`;
      return await this.dedupe.run(dedupeKey, () => this.execute(req.method, params, ctx));
    } catch (err) {
      return { ok: false, error: toErrorShape(err) };
    }
  }

  private authorize(method: string, caller: Caller): MethodDecl {
    const decl = Object.prototype.hasOwnProperty.call(this.decls, method) ? this.decls[method] : undefined;
    if (!decl || !this.handlers[method]) {
      throw new GatewayError("method_unknown", `unknown method "${method}"; see hello-ok.features.methods`);
    }
    if (!decl.roles.includes(caller.role)) {
      throw new GatewayError("role_forbidden", `${method} is not available to role "${caller.role}"`);
    }
    if (caller.role === "operator" && !scopeSatisfied(caller.scopes, decl.scope)) {
      throw new GatewayError("scope_missing", `${method} needs scope ${decl.scope}; reconnect asking for it (and get it approved)`, {
        details: { required: decl.scope },
      });
    }
    return decl;
  }

  private validate(decl: MethodDecl, req: RequestFrame): unknown {
    if (req.params === undefined && isOptionalSchema(decl.params)) return undefined;
    const res = check(decl.params, req.params ?? {});
    if (!res.ok) {
      throw new GatewayError("params_invalid", `invalid params for ${req.method}: ${formatIssues(res.issues)}`, {
        details: { issues: res.issues },
      });
    }
    return res.value;
  }

  private async execute(method: string, params: unknown, ctx: CallContext): Promise<Outcome> {
    try {
      const handler = this.handlers[method] as (p: unknown, c: CallContext) => unknown;
      return { ok: true, payload: await handler(params, ctx) };
    } catch (err) {
      if (!(err instanceof GatewayError)) this.log.error({ err, method, connId: ctx.caller.connId }, "method handler failed");
      return { ok: false, error: toErrorShape(err) };
    }
  }
}

function idempotencyKey(params: unknown): string | undefined {
  if (params === null || typeof params !== "object") return undefined;
  const key = (params as Record<string, unknown>)["idempotencyKey"];
  return typeof key === "string" && key.length > 0 ? key : undefined;
}
