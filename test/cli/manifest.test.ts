// The build writes cli/oclif.manifest.json so a command loads only its own module; a stale or
// partial manifest would hide commands or flags, so it must match the built command files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../../cli/", import.meta.url));

async function builtCommandIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".js")) continue;
    const rel = relative(dir, join(entry.parentPath, entry.name)).slice(0, -".js".length);
    ids.push(rel.split(sep).filter((p) => p !== "index").join(":"));
  }
  return ids.sort();
}

test("cli/oclif.manifest.json lists every built command with its flags", async () => {
  const manifest = JSON.parse(await readFile(join(cli, "oclif.manifest.json"), "utf8")) as {
    version: string;
    commands: Record<string, { flags: Record<string, unknown> }>;
  };
  const pkg = JSON.parse(await readFile(join(cli, "package.json"), "utf8")) as { version: string };
  assert.equal(manifest.version, pkg.version);
  assert.deepEqual(Object.keys(manifest.commands).sort(), await builtCommandIds(join(cli, "dist", "commands")));
  assert.ok(manifest.commands["health"]?.flags["url"], "health --url is in the manifest");
});
