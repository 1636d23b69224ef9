// Runs many `clawdbot` command lines in one process through oclif's own `run` (what bin/run.js
// executes), capturing stdout, stderr and the exit code of each, and prints them as JSON. Starting
// one Node process per command line would take minutes on a loaded machine.
import { run, Errors } from "@oclif/core";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../cli/", import.meta.url));
const cases = JSON.parse(process.argv[2] ?? "[]") as string[][];
const results: { args: string[]; code: number; stdout: string; stderr: string }[] = [];
const out = process.stdout.write.bind(process.stdout);
const err = process.stderr.write.bind(process.stderr);
for (const args of cases) {
  let stdout = "";
  let stderr = "";
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  let code = 0;
  try {
    await run(args, root);
  } catch (thrown) {
    code = thrown instanceof Errors.ExitError ? (thrown.oclif.exit ?? 1) : -1;
    if (code === -1) stderr += `UNCAUGHT ${(thrown as Error).stack ?? String(thrown)}`;
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  results.push({ args, code, stdout, stderr });
}
out(JSON.stringify(results));
