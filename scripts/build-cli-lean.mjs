#!/usr/bin/env node
// Bundles the CLI's lean path (cli/dist/fast: --version, gateway, health, status, call, pair list)
// into cli/dist/lean.js and chunks beside it: a few modules to load instead of a few hundred (TypeBox
// alone is 200 files), so a hot command starts nearly as fast as node itself, and `gateway` loads
// none of the client commands' code. ws and the gateway itself stay outside.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { nodeBundleOptions, removeEarlierChunks, requireExternals } from "./lib/node-bundle.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
// Next to cli/dist/version.js, whose `../package.json` must still be the CLI's.
const outdir = `${root}cli/dist`;
await removeEarlierChunks(outdir, "lean");

// Split: `gateway` and the client commands load apart, so a gateway start compiles none of the client code.
const result = await build({
  ...nodeBundleOptions("lean"),
  entryPoints: { lean: `${root}cli/dist/fast/index.js` },
  outdir,
  external: ["@clawdbot/sidecar"],
  plugins: [requireExternals(["ws"])],
});
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith(".js"));
const kib = (file) => ((outputs.find(([f]) => f.endsWith(file))?.[1].bytes ?? 0) / 1024).toFixed(0);
console.log(`cli/dist/lean.js: ${kib("/lean.js")} KiB and ${outputs.length - 1} chunks loaded on use (${outputs.map(([f, o]) => `${f.split("/").pop()} ${(o.bytes / 1024).toFixed(0)} KiB`).join(", ")})`);
