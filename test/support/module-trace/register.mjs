// `--import` this with CLAWDBOT_MODULE_TRACE=<file>: every module the process loads, ESM or
// CommonJS, is appended to <file> as a file:// URL or a node: builtin, one per line.
import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";
import { pathToFileURL } from "node:url";

const out = process.env.CLAWDBOT_MODULE_TRACE;
if (out) {
  register("./hooks.mjs", import.meta.url, { data: { out } });
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    try {
      const file = Module._resolveFilename(request, parent, isMain);
      appendFileSync(out, `${file.startsWith("/") ? pathToFileURL(file).href : file}\n`);
    } catch {
      // Unresolvable: the real load below throws the error the caller expects.
    }
    return load.apply(this, arguments);
  };
}
