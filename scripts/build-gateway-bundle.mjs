#!/usr/bin/env node
// Bundles the gateway (sidecar/dist/run.js with the protocol package, TypeBox and the small pure
// libraries it loads at start) into sidecar/dist/bundle.js plus split chunks beside it: a start-up
// loads a few dozen modules instead of ~490 (TypeBox alone is 200 files), and code behind a dynamic import (channel
// adapters, TLS, QR codes) stays in its own chunk, loaded only when used. Every other package
// stays external, resolved from node_modules as before, so lazy libraries stay lazy.
// Source maps chain back to the TypeScript sources (used when Node runs with --enable-source-maps).
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import { dirname, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeBundleOptions, removeEarlierChunks, requireExternals } from "./lib/node-bundle.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}sidecar/dist`;
/** Bundled in: the workspace protocol package, TypeBox (200 small ESM files) and jsonc-parser (not json5: the CLI loads it too; croner, minimatch and fastest-levenshtein are required on first use). */
const INLINE = new Set(["@clawdbot/protocol", "@sinclair/typebox", "jsonc-parser"]);
/** External CommonJS packages every start-up loads: required, not imported (see requireExternals). */
const REQUIRED = ["ws", "pino"];

const pkg = JSON.parse(await readFile(`${root}sidecar/package.json`, "utf8"));
const protocolPkg = JSON.parse(await readFile(`${root}protocol/package.json`, "utf8"));
const deps = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(protocolPkg.dependencies ?? {})]);
const external = [...deps].filter((name) => !INLINE.has(name));

/**
 * Keeps `import.meta.url` meaning "this source module": each use is rewritten relative to the
 * chunk (all chunks sit in sidecar/dist/), so paths such as `../package.json` or
 * `./config-base.validate.cjs` resolve exactly as they do unbundled.
 */
const moduleUrl = {
  name: "module-url",
  setup(b) {
    b.onLoad({ filter: /[\\/](sidecar|protocol)[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const rel = `./${relative(outdir, args.path).split(sep).join("/")}`;
      return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: "js", resolveDir: dirname(args.path) };
    });
  },
};

await removeEarlierChunks(outdir, "bundle");

const result = await build({
  ...nodeBundleOptions("bundle"),
  entryPoints: { bundle: `${outdir}/run.js` },
  outdir,
  // ESM builds where a package has one (jsonc-parser's UMD main cannot be bundled).
  mainFields: ["module", "main"],
  external,
  sourcemap: "linked",
  sourcesContent: false,
  plugins: [moduleUrl, requireExternals(REQUIRED)],
});
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith(".js"));
const entry = outputs.find(([file]) => file.endsWith("/bundle.js"));
console.log(`sidecar/dist/bundle.js: ${((entry?.[1].bytes ?? 0) / 1024).toFixed(0)} KiB, ${outputs.length - 1} lazy chunks`);
