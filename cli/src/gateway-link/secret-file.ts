import { readFile } from "node:fs/promises";
import { MIN_SECRET_LENGTH } from "@clawdbot/sidecar/basics";

/** Reads a gateway secret from a file (trailing newline dropped), with the same length floor as the flag; errors say why in one line. */
export async function readSecretFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const secret = text.trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`${path} holds ${secret.length} characters; a gateway secret has at least ${MIN_SECRET_LENGTH}`);
  }
  return secret;
}
