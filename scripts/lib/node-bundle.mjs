// esbuild helpers shared by the bundles Node runs (the gateway's and the CLI's lean path).

/** Defines `require` in an ESM bundle, for the packages loaded through it (see requireExternals). */
export const REQUIRE_BANNER = 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);';

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
