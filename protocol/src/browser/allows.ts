// Which declared methods a connection's scopes reach: pages hide what the gateway would refuse.
// A separate entry (`@clawdbot/protocol/browser/allows`): it imports every method declaration, so
// only pages that need it bundle them.

import { METHODS, type MethodName } from "../methods/index.js";
import { scopeSatisfied } from "../schema/scopes.js";

/** True when a connection holding `scopes` may call `method` (as the gateway decides it). */
export function allows(scopes: readonly string[], method: MethodName): boolean {
  return scopeSatisfied(scopes, METHODS[method].scope);
}
