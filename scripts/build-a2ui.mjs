#!/usr/bin/env node
// Bundles the canvas host's A2UI page (sidecar/canvas-assets/a2ui/app.js with @a2ui/lit's v0.8
// renderer, lit and the markdown renderer) into one ES module for the browser:
//   node scripts/build-a2ui.mjs [--outfile <path>]     (default sidecar/dist-canvas/a2ui.js)
// Build time only: the canvas host serves the file as is and fetches nothing at run time.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
export const ENTRY = `${root}sidecar/canvas-assets/a2ui/app.js`;
export const DEFAULT_OUTFILE = `${root}sidecar/dist-canvas/a2ui.js`;

/** Writes the bundle to `outfile`; returns its size in bytes. */
export async function buildA2ui(outfile = DEFAULT_OUTFILE) {
  const result = await build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022", "chrome111"],
    minify: true,
    // Licence headers of the bundled packages (Apache-2.0, BSD-3-Clause, MIT) stay in the file.
    legalComments: "eof",
    define: { "process.env.NODE_ENV": '"production"' },
    metafile: true,
    logLevel: "warning",
  });
  return result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].bytes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { outfile: { type: "string" } } });
  const outfile = values.outfile ?? DEFAULT_OUTFILE;
  const bytes = await buildA2ui(outfile);
  console.log(`A2UI renderer bundle: ${outfile} (${(bytes / 1024).toFixed(0)} KiB)`);
}
