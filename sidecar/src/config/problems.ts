import { createRequire } from "node:module";
import type { ErrorObject, Options } from "ajv";
import type { TSchema } from "@sinclair/typebox";
import { ConfigFileSchema } from "./schema.js";
import { nearest } from "./nearest.js";

/** A validator of one part of clawdbot.json, precompiled or compiled here. */
export type ConfigValidator = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };

// Every problem at once (allErrors), so one edit of the file fixes them all; verbose for the value found.
export const CONFIG_AJV_OPTIONS: Options = { strict: true, allErrors: true, verbose: true, coerceTypes: false, useDefaults: false };

/**
 * The config schema in parts, each validated on its own: everything but the channel sections, and
 * one part per channel. A file validates only the channel sections it has, so start-up parses no
 * validator of a channel that is not configured (they are three quarters of the code).
 */
export function configSchemaParts(): { base: TSchema; channels: Record<string, TSchema> } {
  const channels = ConfigFileSchema.properties.channels;
  const sections = channels.properties as Record<string, TSchema>;
  const anyObject = Object.fromEntries(Object.keys(sections).map((id) => [id, { type: "object" }]));
  const base = { ...ConfigFileSchema, properties: { ...ConfigFileSchema.properties, channels: { ...channels, properties: anyObject } } };
  return { base: base as TSchema, channels: { ...sections } };
}

/** Where the build (scripts/build-validators.mjs) writes a part's validator, next to this module. */
export function precompiledValidatorFile(part: string): string {
  return `./config-${part}.validate.cjs`;
}

const require = createRequire(import.meta.url);
const validators = new Map<string, ConfigValidator>();

/** Compiles a part with ajv: what the build precompiles, and the way when running from source. */
export function compileConfigValidator(part: string): ConfigValidator {
  const parts = configSchemaParts();
  const schema = part === "base" ? parts.base : parts.channels[part];
  if (!schema) throw new Error(`no config schema part ${part}`);
  const { Ajv } = require("ajv") as typeof import("ajv");
  return new Ajv(CONFIG_AJV_OPTIONS).compile(schema);
}

function validatorOf(part: string): ConfigValidator {
  let v = validators.get(part);
  if (v) return v;
  const file = precompiledValidatorFile(part);
  try {
    v = require(file) as ConfigValidator;
  } catch (err) {
    // Only the precompiled file itself may be missing (running from source, or before a build).
    const missing = (err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && (err as Error).message.includes(file.slice(2));
    if (!missing) throw err;
    v = compileConfigValidator(part);
  }
  validators.set(part, v);
  return v;
}

/** `/gateway/port` → `gateway.port`. */
export function keyName(instancePath: string): string {
  return instancePath === "" ? "(top level)" : instancePath.slice(1).replace(/\//g, ".");
}

/**
 * Every way `value` breaks the config schema, each phrased for a person editing clawdbot.json: the
 * key, what is allowed (an enum's values, a number's range) and what was found.
 */
export function configProblems(value: unknown, validator: (part: string) => ConfigValidator = validatorOf): string[] {
  const errors = errorsOf(validator("base"), value, "");
  const channels = (value as { channels?: unknown }).channels;
  if (channels !== null && typeof channels === "object" && !Array.isArray(channels)) {
    for (const [id, section] of Object.entries(channels)) {
      if (id in ConfigFileSchema.properties.channels.properties) errors.push(...errorsOf(validator(id), section, `/channels/${id}`));
    }
  }
  const enums = enumValues(errors);
  const out: string[] = [];
  for (const e of errors) {
    const text = describe(e, enums, ConfigFileSchema);
    if (text !== undefined && !out.includes(text)) out.push(text);
  }
  return out;
}

/** A part's errors, with paths from the top of the file. */
function errorsOf(validate: ConfigValidator, value: unknown, at: string): ErrorObject[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => (at === "" ? e : { ...e, instancePath: at + e.instancePath, schemaPath: `#${at}${e.schemaPath.slice(1)}` }));
}

/** Allowed literals per union (a union of Type.Literal reports one `const` error per branch). */
function enumValues(errors: readonly ErrorObject[]): Map<string, unknown[]> {
  const byUnion = new Map<string, unknown[]>();
  for (const e of errors) {
    if (e.keyword !== "const") continue;
    const union = e.schemaPath.replace(/\/anyOf\/\d+\/const$/, "");
    const list = byUnion.get(union) ?? [];
    list.push((e.params as { allowedValue: unknown }).allowedValue);
    byUnion.set(union, list);
  }
  return byUnion;
}

function describe(e: ErrorObject, enums: Map<string, unknown[]>, schema: TSchema): string | undefined {
  const key = keyName(e.instancePath);
  const got = ` (got ${JSON.stringify(e.data)?.slice(0, 60) ?? "nothing"})`;
  switch (e.keyword) {
    case "const":
      return undefined; // folded into the union's anyOf error
    case "anyOf": {
      const allowed = enums.get(e.schemaPath.replace(/\/anyOf$/, ""));
      return allowed ? `${key} must be one of ${allowed.join(", ")}${got}` : `${key} has the wrong form${got}`;
    }
    case "additionalProperties": {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const full = e.instancePath === "" ? extra : `${key}.${extra}`;
      const near = nearest(extra, knownKeys(schema, e.instancePath));
      return `${full} is not a setting${e.instancePath === "" ? "" : ` of ${key}`}${near ? ` (did you mean ${near}?)` : ""}`;
    }
    case "required":
      return `${key} needs ${(e.params as { missingProperty: string }).missingProperty}`;
    case "type":
      return `${key} must be ${article((e.params as { type: string }).type)}${got}`;
    case "minimum":
    case "maximum":
      return `${key} must be ${e.keyword === "minimum" ? "at least" : "at most"} ${(e.params as { limit: number }).limit}${got}`;
    case "minLength":
      return `${key} must be at least ${(e.params as { limit: number }).limit} characters long`;
    case "minItems":
      return `${key} needs at least ${(e.params as { limit: number }).limit} entr${(e.params as { limit: number }).limit === 1 ? "y" : "ies"}`;
    default:
      return `${key} ${e.message ?? "is invalid"}${got}`;
  }
}

function article(type: string): string {
  if (type === "integer") return "a whole number";
  if (type === "object") return "an object";
  if (type === "array") return "a list";
  return `a ${type}`;
}

/** Property names the schema allows at a path (for "did you mean"). */
function knownKeys(schema: TSchema, instancePath: string): string[] {
  let node: TSchema | undefined = schema;
  for (const part of instancePath.split("/").filter(Boolean)) {
    node = (node?.["properties"] as Record<string, TSchema> | undefined)?.[part];
  }
  return Object.keys((node?.["properties"] as Record<string, TSchema> | undefined) ?? {});
}
