import type { Static, TSchema } from "@sinclair/typebox";
import type { ConfigUiHintSchema } from "@clawdbot/protocol";
import { ConfigFileSchema, type ConfigFile } from "./schema.js";
import { REDACTED, redactedConfig } from "./resolve.js";
import { leaves, valueAt } from "./key-paths.js";
import { needsRestart } from "./reload-plan.js";

export type ConfigUiHint = Static<typeof ConfigUiHintSchema>;

/** Tuning knobs most people never touch; forms fold them away. */
const ADVANCED = new Set([
  "gateway.tickIntervalMs",
  "gateway.handshakeTimeoutMs",
  "gateway.maxPayload",
  "gateway.maxBufferedBytes",
  "gateway.trustedProxies",
  "gateway.realIpHeader",
  "gateway.authRateLimit",
  "gateway.nodes",
  "channels.telegram.apiRoot",
  "channels.telegram.pollTimeoutSec",
  "channels.telegram.staleAfterMs",
  "cron.maxRunsPerJob",
]);

/**
 * Hints for every key of clawdbot.json, by dotted path: a label, the schema's description as help,
 * the top-level group, declaration order, and which keys are secrets (those the config module
 * redacts) or need a restart. Derived from the schema, so a new key gets hints without a table.
 */
export function buildUiHints(schema: TSchema = ConfigFileSchema): Record<string, ConfigUiHint> {
  const secret = secretPaths(schema);
  const hints: Record<string, ConfigUiHint> = {};
  let order = 0;
  const visit = (s: TSchema, path: string[]) => {
    const props = objectProps(s);
    if (props) {
      for (const [key, child] of Object.entries(props)) {
        if (key === "$schema") continue;
        const p = [...path, key];
        const dotted = p.join(".");
        const description = (child as { description?: string }).description;
        hints[dotted] = {
          label: labelOf(key),
          ...(description ? { help: description } : {}),
          group: p[0]!,
          order: order++,
          ...(ADVANCED.has(dotted) ? { advanced: true } : {}),
          ...(secret.has(dotted) ? { sensitive: true } : {}),
          ...(needsRestart(dotted) ? { restartRequired: true } : {}),
        };
        visit(child, p);
      }
    }
  };
  visit(schema, []);
  return hints;
}

function objectProps(s: TSchema): Record<string, TSchema> | undefined {
  const props = (s as { properties?: Record<string, TSchema> }).properties;
  return s.type === "object" && props ? props : undefined;
}

/** `tickIntervalMs` → "Tick interval (ms)", `botToken` → "Bot token". */
export function labelOf(key: string): string {
  const unit = /Ms$/.test(key) ? " (ms)" : /Sec$/.test(key) ? " (s)" : "";
  const words = key.replace(/(Ms|Sec)$/, "").replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}${unit}`;
}

/**
 * Which keys are secrets: every string key of the schema gets a distinct probe value, and the keys
 * the config module's redaction hides are the secret ones.
 */
function secretPaths(schema: TSchema): Set<string> {
  const probe = sample(schema, { n: 0 });
  const redacted = redactedConfig(probe as ConfigFile);
  return new Set(leaves(probe).flatMap(([path, v]) => (typeof v === "string" && valueAt(redacted, path) === REDACTED ? [path.join(".")] : [])));
}

function sample(s: TSchema, counter: { n: number }): unknown {
  const props = objectProps(s);
  if (props) {
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(props)) {
      const v = sample(child, counter);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  return s.type === "string" ? `probe-${counter.n++}` : undefined;
}

