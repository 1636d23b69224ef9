import { Type, type Static } from "@sinclair/typebox";

export const ROLES = ["operator", "node"] as const;
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
export type Role = Static<typeof RoleSchema>;

export const OPERATOR_SCOPES = [
  "operator.read",
  "operator.write",
  "operator.admin",
  "operator.approvals",
  "operator.pairing",
] as const;
export const OperatorScopeSchema = Type.Union(OPERATOR_SCOPES.map((s) => Type.Literal(s)));
export type OperatorScope = Static<typeof OperatorScopeSchema>;

/** Scopes a connection gets when its connect names none. */
export const DEFAULT_OPERATOR_SCOPES: readonly OperatorScope[] = ["operator.read"];

/** True when `held` grants `needed`; `operator.admin` implies every operator scope. */
export function scopeSatisfied(held: readonly string[], needed: OperatorScope): boolean {
  return held.includes(needed) || held.includes("operator.admin");
}

/** True when every scope in `wanted` is granted by `held` (admin implies all). */
export function scopesCovered(held: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((s) => held.includes(s) || (held.includes("operator.admin") && s.startsWith("operator.")));
}

/** Narrows an arbitrary string to a known operator scope. */
export function isOperatorScope(s: string): s is OperatorScope {
  return (OPERATOR_SCOPES as readonly string[]).includes(s);
}
