import { createRequire } from "node:module";
import type { TSchema } from "@sinclair/typebox";
import type { ValidateFunction } from "ajv";
import { METHODS } from "./methods/index.js";
import { ConnectParamsSchema } from "./schema/connect.js";
import { RequestFrameSchema } from "./schema/frames.js";
import { usePrecompiledValidators } from "./validate.js";

/** Where the build (scripts/build-validators.mjs) writes the wire's validators, relative to this module. */
export const PRECOMPILED_WIRE_VALIDATORS = "../wire.validate.cjs";

/**
 * The schemas every gateway validates inbound frames with, under the export names of the generated
 * module: the request frame, connect's params and each method's params.
 */
export function wireSchemas(): Array<[name: string, schema: TSchema]> {
  return [
    ["frame:request", RequestFrameSchema],
    ["connect:params", ConnectParamsSchema],
    ...Object.entries(METHODS).map(([name, decl]): [string, TSchema] => [`params:${name}`, decl.params]),
  ];
}

/** The generated validators by schema; empty when the build did not write them (running from source). */
function loadWireValidators(): ReadonlyMap<TSchema, ValidateFunction> {
  let mod: Record<string, ValidateFunction>;
  try {
    mod = createRequire(import.meta.url)(PRECOMPILED_WIRE_VALIDATORS) as Record<string, ValidateFunction>;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && (err as Error).message.includes("wire.validate.cjs");
    if (!missing) throw err;
    return new Map();
  }
  const map = new Map<TSchema, ValidateFunction>();
  for (const [name, schema] of wireSchemas()) {
    const fn = mod[name];
    // A method added since the last build is compiled on first use instead.
    if (fn) map.set(schema, fn);
  }
  return map;
}

usePrecompiledValidators(loadWireValidators);
