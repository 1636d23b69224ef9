// Writes cli/oclif.manifest.json: with it oclif loads only the command being run, not every
// command module (and everything they import) just to list their flags.
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Plugin } from "@oclif/core";

const root = fileURLToPath(new URL("../cli/", import.meta.url));
const plugin = new Plugin({ root, type: "core", isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
const count = Object.keys(plugin.manifest.commands).length;
if (count === 0) throw new Error("oclif found no commands under cli/dist/commands: build first");
await writeFile(new URL("oclif.manifest.json", new URL("../cli/", import.meta.url)), JSON.stringify(plugin.manifest));
console.log(`cli/oclif.manifest.json: ${count} commands`);
