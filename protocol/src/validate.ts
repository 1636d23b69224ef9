import { createRequire } from "node:module";
import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import { OptionalKind, type Static, type TSchema } from "@sinclair/typebox";

/** One schema violation, phrased for a human: where, and what was expected. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** ajv's options for every wire schema: what the build precompiles with and what check() compiles with. */
export const WIRE_AJV_OPTIONS = { strict: true, allErrors: false, coerceTypes: false, useDefaults: false } as const;

let ajv: Ajv | undefined;
const compiled = new WeakMap<TSchema, ValidateFunction>();
let precompiled: (() => ReadonlyMap<TSchema, ValidateFunction>) | undefined;
let precompiledLoaded = false;

/**
 * Hands check() validators generated at build time (see precompiled.ts): `load` runs on the first
 * check of a schema not compiled yet, and a schema it covers is never compiled.
 */
export function usePrecompiledValidators(load: () => ReadonlyMap<TSchema, ValidateFunction>): void {
  precompiled = load;
  precompiledLoaded = false;
}

// ajv is loaded with the first schema compiled, not at import: a process that validates nothing
// (a gateway before its first connection, `clawdbot --version`) never pays for it.
function compiler(): Ajv {
  if (!ajv) {
    const { Ajv: AjvClass } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
    ajv = new AjvClass({ ...WIRE_AJV_OPTIONS });
  }
  return ajv;
}

function compile(schema: TSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn && precompiled && !precompiledLoaded) {
    precompiledLoaded = true;
    for (const [s, v] of precompiled()) compiled.set(s, v);
    fn = compiled.get(schema);
  }
  if (!fn) {
    fn = compiler().compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

function describe(e: ErrorObject): ValidationIssue {
  const path = e.instancePath === "" ? "(root)" : e.instancePath;
  if (e.keyword === "additionalProperties") {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    return { path, message: `unexpected property "${extra ?? "?"}"` };
  }
  if (e.keyword === "required") {
    const missing = (e.params as { missingProperty?: string }).missingProperty;
    return { path, message: `missing required property "${missing ?? "?"}"` };
  }
  return { path, message: e.message ?? e.keyword };
}

/** Validates `value` against a TypeBox schema with a validator compiled once per schema. */
export function check<S extends TSchema>(schema: S, value: unknown): Checked<Static<S>> {
  const fn = compile(schema);
  if (fn(value)) return { ok: true, value: value as Static<S> };
  return { ok: false, issues: (fn.errors ?? []).map(describe) };
}

/** True when the schema was declared with Type.Optional (the value may be absent). */
export function isOptionalSchema(schema: TSchema): boolean {
  return (schema as unknown as Record<symbol, unknown>)[OptionalKind] === "Optional";
}

/** One-line summary of issues, e.g. `/client/id: must be equal to one of the allowed values`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join("; ");
}
