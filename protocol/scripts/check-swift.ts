// Parses every committed .swift file (or the files named on the command line) and fails on any
// syntax error, naming file, line and column.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatSwiftIssue, swiftSyntaxIssues } from "./swift/syntax.js";

// Runs from protocol/dist/scripts.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const named = process.argv.slice(2).map((f) => resolve(f));
const files = named.length > 0 ? named : committedSwiftFiles().map((f) => join(root, f));
let failed = 0;
for (const file of files) {
  const shown = file.startsWith(root) ? relative(root, file) : file;
  const issues = await swiftSyntaxIssues(readFileSync(file, "utf8"), shown);
  for (const issue of issues) console.error(formatSwiftIssue(issue));
  if (issues.length > 0) failed++;
}
if (failed > 0) {
  console.error(`${failed} of ${files.length} Swift file(s) do not parse`);
  process.exit(1);
}
console.log(`${files.length} Swift file(s) parse without errors`);

function committedSwiftFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.swift"], { cwd: root, encoding: "utf8" });
  return out.split("\0").filter((f) => f !== "");
}
