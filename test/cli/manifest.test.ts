// The build writes cli/oclif.manifest.json so a command loads only its own module; a stale or
// partial manifest would hide commands or flags, so it must equal what the built commands declare.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Plugin } from "@oclif/core";

const cli = fileURLToPath(new URL("../../cli/", import.meta.url));

test("cli/oclif.manifest.json equals what the built commands declare (ids, flags, args)", async () => {
  const written = JSON.parse(await readFile(join(cli, "oclif.manifest.json"), "utf8")) as { version: string; commands: Record<string, unknown> };
  const plugin = new Plugin({ root: cli, type: "core", isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
  await plugin.load();
  const fresh = JSON.parse(JSON.stringify(plugin.manifest)) as typeof written;
  assert.ok(Object.keys(fresh.commands).length > 30, "the built commands were found");
  assert.equal(written.version, fresh.version);
  assert.deepEqual(Object.keys(written.commands).sort(), Object.keys(fresh.commands).sort());
  for (const id of Object.keys(fresh.commands)) {
    assert.deepEqual(written.commands[id], fresh.commands[id], `manifest entry of "${id}" is stale: run \`make build\``);
  }
});
