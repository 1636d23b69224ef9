// The pairing stores on disk: where they live, their modes, and that no secret is ever written.
import assert from "node:assert/strict";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TestGateway } from "../support/gateway.js";

export function devicesFile(gw: TestGateway): string {
  return join(gw.stateDir, "devices", "pairing.json");
}

export function nodesFile(gw: TestGateway): string {
  return join(gw.stateDir, "nodes", "pairing.json");
}

/** Asserts a store file is 0600 in a 0700 directory, and no file in that directory contains any of `secrets`. */
export async function assertStoreKeepsSecrets(path: string, secrets: readonly string[]): Promise<void> {
  const dir = join(path, "..");
  assert.equal((await stat(path)).mode & 0o777, 0o600, `${path} mode`);
  assert.equal((await stat(dir)).mode & 0o777, 0o700, `${dir} mode`);
  for (const name of await readdir(dir)) {
    const text = await readFile(join(dir, name), "utf8").catch(() => "");
    for (const s of secrets) assert.ok(!text.includes(s), `${join(dir, name)} contains a plaintext secret (${s.slice(0, 6)}…)`);
  }
}
