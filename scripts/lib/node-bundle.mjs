// esbuild helpers shared by the bundles Node runs (the gateway's and the CLI's lean path).
import { readdir, rm } from "node:fs/promises";

/** Defines `require` in an ESM bundle, for the packages loaded through it (see requireExternals). */
export const REQUIRE_BANNER = 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);';

/**
 * The esbuild options every such bundle shares: split ESM for Node 20, each chunk named
 * `<prefix>-…`, without comments or indentation (V8 keeps every module's source text in memory, as
 * two bytes per character when a comment has one non-ASCII character, and scans all of it at load).
 */
export function nodeBundleOptions(prefix) {
  return {
    bundle: true,
    splitting: true,
    chunkNames: `${prefix}-[name]-[hash]`,
    format: "esm",
    platform: "node",
    target: "node20",
    minifyWhitespace: true,
    banner: { js: REQUIRE_BANNER },
    metafile: true,
    logLevel: "warning",
  };
}

/** Removes the chunks of an earlier build named `<prefix>-…` from `dir` (their names carry a content hash, so they would pile up). */
export async function removeEarlierChunks(dir, prefix) {
  for (const name of await readdir(dir)) if (name.startsWith(`${prefix}-`) && /\.js(\.map)?$/.test(name)) await rm(`${dir}/${name}`);
}

/**
 * Loads the named CommonJS packages with `require` instead of `import`, left external: an ESM
 * import of CommonJS makes Node lex every module's source for its export names, which for ws and
 * pino costs a sizeable part of a start-up. Needs REQUIRE_BANNER on the bundle.
 */
export function requireExternals(names) {
  const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`);
  return {
    name: "require-externals",
    setup(b) {
      b.onResolve({ filter }, (args) => (args.namespace === "require-external" ? { path: args.path, external: true } : { path: args.path, namespace: "require-external" }));
      b.onLoad({ filter: /.*/, namespace: "require-external" }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: "js" }));
    },
  };
}
