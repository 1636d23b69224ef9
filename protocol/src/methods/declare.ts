import type { TSchema } from "@sinclair/typebox";
import type { OperatorScope, Role } from "../schema/scopes.js";

/** How a method treats `params.idempotencyKey`. */
export type Idempotency = "required" | "optional" | "none";

/** One method of the protocol, declared once; everything else is derived from this. */
export interface MethodDecl<P extends TSchema = TSchema, R extends TSchema = TSchema> {
  readonly params: P;
  readonly result: R;
  /** Operator scope needed to call it. */
  readonly scope: OperatorScope;
  /** Roles allowed to call it at all. */
  readonly roles: readonly Role[];
  /** Side-effecting methods require an idempotency key and go through the dedupe cache. */
  readonly idempotency: Idempotency;
  /** Methods that answer twice on the same request id (accepted, then final). */
  readonly twoPhase?: boolean;
  readonly summary: string;
}

/** Declares a method, keeping its schema types precise. */
export function method<P extends TSchema, R extends TSchema>(decl: MethodDecl<P, R>): MethodDecl<P, R> {
  return decl;
}
