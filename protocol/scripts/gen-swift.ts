import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SWIFT_TARGETS, renderTarget, staleSwiftFiles } from "./swift/models.js";

// Runs from protocol/dist/scripts; the committed files live in protocol/generated.
const dir = process.argv[3] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..", "generated");
const mode = process.argv[2];

if (mode === "write") {
  mkdirSync(join(dir, "swift"), { recursive: true });
  for (const t of SWIFT_TARGETS) {
    const path = join(dir, "swift", t.file);
    writeFileSync(path, renderTarget(t, dir));
    console.log(`wrote ${path}`);
  }
} else if (mode === "check") {
  const stale = staleSwiftFiles(dir);
  for (const path of stale) console.error(`${path} is out of date with the JSON Schema: run \`npm run protocol:gen\` and commit the result.`);
  if (stale.length > 0) process.exit(1);
  console.log("Swift models are up to date");
} else {
  console.error("usage: gen-swift.js write|check [generated-dir]");
  process.exit(2);
}
