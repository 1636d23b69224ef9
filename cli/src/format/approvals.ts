import type { ExecApprovalsSnapshot } from "@clawdbot/protocol";

/** Human form of an exec approvals snapshot: where, which hash, then the file itself. */
export function formatApprovals(s: ExecApprovalsSnapshot, where: string): string {
  const head = `${where} exec approvals: ${s.path}${s.exists ? "" : " (no file yet: nothing beyond the host's own allowlist is enforced)"}`;
  return [head, `hash: ${s.hash}`, JSON.stringify(s.file, null, 2)].join("\n");
}
