import { Type } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import { NodeCommandError } from "./errors.js";

const WhichParams = Type.Object({ bins: Type.Array(Type.String({ minLength: 1, maxLength: 200, pattern: "^[^/\\u0000]+$" }), { maxItems: 100 }) });

/** system.which {bins}: where each program is on this node's PATH; names not found are left out. */
export function whichHandler(which: (name: string) => string | undefined): (params: unknown) => Promise<unknown> {
  return async (raw) => {
    const res = check(WhichParams, raw);
    if (!res.ok) throw new NodeCommandError("INVALID_REQUEST", `system.which needs {bins: string[]} of bare program names: ${formatIssues(res.issues)}`);
    const bins: Record<string, string> = {};
    for (const name of res.value.bins) {
      const found = which(name);
      if (found) bins[name] = found;
    }
    return { bins };
  };
}
