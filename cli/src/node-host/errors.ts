/** Codes a node puts in `node.invoke.result.error.code`. */
export type NodeErrorCode = "INVALID_REQUEST" | "FORBIDDEN" | "NOT_FOUND" | "UNAVAILABLE" | "TIMEOUT" | "TOO_LARGE" | "APPROVAL_REQUIRED";

/** A command refused or failed on this node; `message` is shown to the operator verbatim. */
export class NodeCommandError extends Error {
  constructor(
    readonly code: NodeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "NodeCommandError";
  }
}

/** The node's answer to one request, as it goes into node.invoke.result. */
export type CommandOutcome = { ok: true; payload: unknown } | { ok: false; error: { code: string; message: string } };

/** Maps anything a command threw to the wire error (unexpected errors are UNAVAILABLE). */
export function toOutcomeError(err: unknown): { ok: false; error: { code: string; message: string } } {
  if (err instanceof NodeCommandError) return { ok: false, error: { code: err.code, message: err.message } };
  return { ok: false, error: { code: "UNAVAILABLE", message: err instanceof Error ? err.message : String(err) } };
}
