import { readFile } from "node:fs/promises";
import type { Static, TSchema } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import { writeFileAtomic } from "./atomic-file.js";

/** A stored file exists but cannot be trusted; it is never silently replaced. */
export class StoreCorruptError extends Error {
  constructor(readonly path: string, why: string) {
    super(`${path} is damaged (${why}); it was left untouched. Restore it from a backup or move it aside to start fresh.`);
    this.name = "StoreCorruptError";
  }
}

/** Reads and validates a JSON store file; a missing file yields `empty`. */
export async function readJsonFile<S extends TSchema>(path: string, schema: S, empty: Static<S>): Promise<Static<S>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return empty;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new StoreCorruptError(path, `not valid JSON: ${(err as Error).message}`);
  }
  const res = check(schema, parsed);
  if (!res.ok) throw new StoreCorruptError(path, formatIssues(res.issues));
  return res.value;
}

/** Writes a JSON store file atomically with mode 0600. */
export function writeJsonFile(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n", 0o600);
}
