import { readFile } from "node:fs/promises";
import JSON5 from "json5";
import { Type, type Static } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import { unusableAllowNames } from "./run-env.js";

const MiB = 1024 * 1024;

const SystemRunSchema = Type.Object(
  {
    /** Programs this node will run: bare names (looked up on PATH) or absolute paths. */
    allow: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Default and maximum run time of one program. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
    /** Cap of stdout and of stderr, each. */
    maxOutputBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 * MiB })),
    /** Environment variables a caller may set for the programs (plain names; never PATH, LD_*, …). */
    envAllow: Type.Optional(Type.Array(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$" }))),
  },
  { additionalProperties: false },
);

export const NodeConfigFileSchema = Type.Object(
  {
    gatewayUrl: Type.Optional(Type.String({ pattern: "^wss?://" })),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** Overrides hello-ok.canvasHostUrl (e.g. when the gateway is reached through a tunnel). */
    canvasHostUrl: Type.Optional(Type.String({ pattern: "^https?://" })),
    systemRun: Type.Optional(SystemRunSchema),
  },
  { additionalProperties: false },
);

export type NodeConfigFile = Static<typeof NodeConfigFileSchema>;

/** The node's resolved, frozen configuration. */
export interface NodeHostConfig {
  readonly gatewayUrl: string | undefined;
  readonly displayName: string | undefined;
  readonly canvasHostUrl: string | undefined;
  readonly systemRun: {
    readonly allow: readonly string[];
    readonly timeoutMs: number;
    readonly maxOutputBytes: number;
    readonly envAllow: readonly string[];
  };
}

export const SYSTEM_RUN_DEFAULTS = { timeoutMs: 30_000, maxOutputBytes: MiB } as const;

/** Thrown for a node.json that cannot be used; the message names the file and the key. */
export class NodeConfigError extends Error {
  override name = "NodeConfigError";
}

/** Parses JSON5 (or JSON) text of node.json. */
export function parseNodeConfig(path: string, text: string): NodeHostConfig {
  let parsed: unknown;
  try {
    parsed = JSON5.parse(text);
  } catch (err) {
    throw new NodeConfigError(`${path}: not valid JSON5: ${(err as Error).message}`);
  }
  const res = check(NodeConfigFileSchema, parsed);
  if (!res.ok) throw new NodeConfigError(`${path}: invalid node config: ${formatIssues(res.issues)}`);
  return resolveNodeConfig(res.value);
}

/** Applies defaults; the result is frozen. A variable no caller may ever set is a config error. */
export function resolveNodeConfig(file: NodeConfigFile): NodeHostConfig {
  const run = file.systemRun ?? {};
  const unusable = unusableAllowNames(run.envAllow ?? []);
  if (unusable.length > 0) throw new NodeConfigError(`systemRun.envAllow: ${unusable.join(", ")} can never be set by a caller`);
  return Object.freeze({
    gatewayUrl: file.gatewayUrl,
    displayName: file.displayName,
    canvasHostUrl: file.canvasHostUrl?.replace(/\/+$/, ""),
    systemRun: Object.freeze({
      allow: Object.freeze([...(run.allow ?? [])]),
      timeoutMs: run.timeoutMs ?? SYSTEM_RUN_DEFAULTS.timeoutMs,
      maxOutputBytes: run.maxOutputBytes ?? SYSTEM_RUN_DEFAULTS.maxOutputBytes,
      envAllow: Object.freeze([...(run.envAllow ?? [])]),
    }),
  });
}

/** Reads node.json; a missing file is the defaults (no programs allowed). */
export async function loadNodeConfig(path: string): Promise<NodeHostConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return resolveNodeConfig({});
    throw new NodeConfigError(`${path}: cannot read node config: ${(err as Error).message}`);
  }
  return parseNodeConfig(path, text);
}
