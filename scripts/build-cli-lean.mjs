#!/usr/bin/env node
// Bundles the CLI's lean path (cli/dist/fast: --version, gateway, health, status, call, pair list)
// into cli/dist/lean.js: one module to load instead of a few hundred (TypeBox alone is 200 files),
// so a hot command starts nearly as fast as node itself. ws and the gateway itself stay outside.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { REQUIRE_BANNER, requireExternals } from "./lib/node-bundle.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
// Next to cli/dist/version.js, whose `../package.json` must still be the CLI's.
const outfile = `${root}cli/dist/lean.js`;
const result = await build({
  entryPoints: [`${root}cli/dist/fast/index.js`],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@clawdbot/sidecar"],
  // No comments or indentation: V8 keeps every module's source text in memory (as two bytes per
  // character when a comment has one non-ASCII character) and scans all of it at load.
  minifyWhitespace: true,
  banner: { js: REQUIRE_BANNER },
  plugins: [requireExternals(["ws"])],
  metafile: true,
  logLevel: "warning",
});
const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].bytes;
console.log(`cli/dist/lean.js: ${(bytes / 1024).toFixed(0)} KiB`);
