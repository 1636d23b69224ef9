import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { check, ExecApprovalsFileSchema, formatIssues, type ExecApprovalsFile, type ExecApprovalsSnapshot } from "@clawdbot/protocol";
import { writeFileAtomic } from "../store/atomic-file.js";
import { withFileLock } from "../store/file-lock.js";

/** Why a policy file could not be read or written; `kind` picks the wire error. */
export class PolicyFileError extends Error {
  constructor(readonly kind: "damaged" | "conflict", message: string) {
    super(message);
    this.name = "PolicyFileError";
  }
}

/** sha256 of the file's bytes (of "" when there is no file): what `set` must name as baseHash. */
export function policyHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * An exec approvals policy file (`version: 1`), read fresh on every use so a hand edit counts at
 * once; written atomically (0600) under a cross-process lock, guarded by the hash it was read at.
 */
export class ExecPolicyFile {
  constructor(readonly path: string) {}

  /** The file as it is now; a missing file is `{version: 1}`. Throws PolicyFileError when damaged. */
  async snapshot(): Promise<ExecApprovalsSnapshot> {
    const text = await this.readText();
    if (text === undefined) return { path: this.path, exists: false, hash: policyHash(""), file: { version: 1 } };
    return { path: this.path, exists: true, hash: policyHash(text), file: parse(this.path, text) };
  }

  /** Replaces the file when `baseHash` is its current hash (required once it exists). */
  async replace(file: ExecApprovalsFile, baseHash: string | undefined): Promise<ExecApprovalsSnapshot> {
    return withFileLock(`${this.path}.lock`, async () => {
      const text = await this.readText();
      if (text !== undefined && baseHash === undefined) {
        throw new PolicyFileError("conflict", `${this.path} exists: pass baseHash (the hash from exec.approvals.get) so a concurrent change is not overwritten`);
      }
      if (baseHash !== undefined && baseHash !== policyHash(text ?? "")) {
        throw new PolicyFileError("conflict", `${this.path} changed since it was read (baseHash is stale); get it again and reapply the change`);
      }
      return this.write(file);
    });
  }

  /** Changes the current file under the lock (allow-always bookkeeping). */
  async update(fn: (file: ExecApprovalsFile) => ExecApprovalsFile): Promise<ExecApprovalsSnapshot> {
    return withFileLock(`${this.path}.lock`, async () => {
      const text = await this.readText();
      return this.write(fn(text === undefined ? { version: 1 } : parse(this.path, text)));
    });
  }

  private async write(file: ExecApprovalsFile): Promise<ExecApprovalsSnapshot> {
    const out = JSON.stringify(file, null, 2) + "\n";
    await writeFileAtomic(this.path, out, 0o600);
    return { path: this.path, exists: true, hash: policyHash(out), file };
  }

  private async readText(): Promise<string | undefined> {
    try {
      return await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }
}

function parse(path: string, text: string): ExecApprovalsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PolicyFileError("damaged", `${path} is not valid JSON (${(err as Error).message}); fix it or replace it with exec.approvals.set`);
  }
  const res = check(ExecApprovalsFileSchema, raw);
  if (!res.ok) throw new PolicyFileError("damaged", `${path} is not a valid exec approvals file: ${formatIssues(res.issues)}`);
  return res.value;
}
