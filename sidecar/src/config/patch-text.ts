import JSON5 from "json5";
import { applyEdits, modify, parse as parseJsonc, type ParseError } from "jsonc-parser";
import { isPlainObject, valueAt } from "./key-paths.js";

const FORMAT = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" } };

/**
 * Applies a JSON merge patch (RFC 7386: objects merge, null removes, anything else replaces) to
 * config text as edits, so comments and layout survive. Text that is JSON5 beyond what the edit
 * parser reads (unquoted keys, single quotes) is re-written as JSON first; `preserved` says so.
 */
export function mergePatchText(text: string, patch: Record<string, unknown>): { text: string; preserved: boolean } {
  let base = text.trim() === "" ? "{}\n" : text;
  const errors: ParseError[] = [];
  parseJsonc(base, errors, { allowTrailingComma: true, disallowComments: false });
  const preserved = errors.length === 0;
  if (!preserved) base = `${JSON.stringify(JSON5.parse(base), null, 2)}\n`;
  const current: unknown = JSON5.parse(base);
  for (const [path, value] of edits(patch, current, [])) base = applyEdits(base, modify(base, path, value, FORMAT));
  return { text: base, preserved };
}

/** The (path, value) edits a merge patch makes; value undefined removes the key. */
function edits(patch: Record<string, unknown>, target: unknown, prefix: string[]): [string[], unknown][] {
  return Object.entries(patch).flatMap(([k, v]): [string[], unknown][] => {
    const path = [...prefix, k];
    const cur = valueAt(target, [k]);
    if (v === null) return cur === undefined ? [] : [[path, undefined]];
    if (isPlainObject(v) && isPlainObject(cur)) return edits(v, cur, path);
    return [[path, isPlainObject(v) ? withoutNulls(v) : v]];
  });
}

/** A patch object applied to nothing: its nulls mean "absent". */
function withoutNulls(v: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, isPlainObject(x) ? withoutNulls(x) : x]));
}
