#!/usr/bin/env node
import module from "node:module";
import { readFileSync } from "node:fs";

// Node >= 22.1 caches compiled code between runs; on Node 20 this is absent and nothing happens.
module.enableCompileCache?.();

const argv = process.argv.slice(2);
const full = Boolean(process.env.CLAWDBOT_CLI_FULL || process.env.CLAWDBOT_CONTENT_TYPE);
if (!full && argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  // oclif's answer, without loading anything: clawdbot/<version> <platform>-<arch> node-<version>.
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`clawdbot/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // `gateway` and the hot commands run lean; everything else (and help) goes through oclif.
  // dist/lean.js is the bundled lean path (scripts/build-cli-lean.mjs); dist/fast/ is the same code unbundled.
  const lean = full
    ? undefined
    : await import("../dist/lean.js").catch((err) => {
        if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes("lean.js")) throw err;
        return import("../dist/fast/index.js");
      });
  const code = await lean?.runLean(argv, process.env);
  if (code === undefined) {
    const { execute } = await import("@oclif/core");
    await execute({ dir: import.meta.url });
  } else {
    process.exitCode = code;
  }
}
