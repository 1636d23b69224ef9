#!/usr/bin/env node
// Bundles the gateway's browser pages from TypeScript (sidecar/web/) into one ES module and one
// stylesheet each, with everything they import (the protocol's browser client, tweetnacl, lit):
//   node scripts/build-web.mjs [--outdir <dir>]     (default sidecar/dist-web/)
//   → webchat.js, webchat.css (WebChat at /), control.js, control.css (Control UI at /control/)
// Build time only: the gateway serves these files as they are and nothing is fetched at run time.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
export const ENTRIES = {
  webchat: `${root}sidecar/web/webchat/app.ts`,
  control: `${root}sidecar/web/control/app.ts`,
};
export const DEFAULT_OUTDIR = `${root}sidecar/dist-web`;

/** Writes the bundles to `outdir`; returns the size in bytes of each output file. */
export async function buildWeb(outdir = DEFAULT_OUTDIR) {
  const result = await build({
    entryPoints: ENTRIES,
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022", "chrome111", "safari16", "firefox115"],
    minify: true,
    sourcemap: false,
    // Licence headers of the bundled packages stay in the files.
    legalComments: "eof",
    define: { "process.env.NODE_ENV": '"production"' },
    metafile: true,
    logLevel: "warning",
  });
  return Object.fromEntries(Object.entries(result.metafile.outputs).map(([file, out]) => [file, out.bytes]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { outdir: { type: "string" } } });
  const sizes = await buildWeb(values.outdir ?? DEFAULT_OUTDIR);
  for (const [file, bytes] of Object.entries(sizes)) console.log(`page bundle: ${file} (${(bytes / 1024).toFixed(0)} KiB)`);
}
