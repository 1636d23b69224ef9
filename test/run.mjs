// Runs every test file under test/ with node's test runner (TypeScript through tsx).
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const filter = process.argv[2];

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === "node_modules" || name === "fakes" || name === "support") return [];
    if (statSync(p).isDirectory()) return collect(p);
    return name.endsWith(".test.ts") ? [p] : [];
  });
}

const files = collect(join(root, "test"))
  .map((f) => relative(root, f))
  .filter((f) => !filter || f.includes(filter))
  .sort();
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=600000", ...files],
  { cwd: root, stdio: "inherit", env: { ...process.env, FORCE_COLOR: "0" } },
);
process.exit(res.status ?? 1);
