import { createHash, randomUUID } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import { SendPolicySchema, ThinkingLevelSchema } from "@clawdbot/protocol";

/** A session's settings as people set them (`sessions.patch`); kept across `sessions.reset`. */
export const SessionSettingsSchema = Type.Object(
  {
    label: Type.Optional(Type.String({ minLength: 1 })),
    model: Type.Optional(Type.String({ minLength: 1 })),
    thinkingLevel: Type.Optional(ThinkingLevelSchema),
    sendPolicy: Type.Optional(SendPolicySchema),
  },
  { additionalProperties: false },
);
export type SessionSettings = Static<typeof SessionSettingsSchema>;

/**
 * A transcript line describing the session rather than a message: written first in every
 * transcript and again whenever the settings change. The last one wins, so the transcript alone
 * says everything the index knows.
 */
export const SessionMetaSchema = Type.Object(
  {
    type: Type.Literal("session"),
    sessionId: Type.String({ minLength: 1 }),
    createdAt: Type.Integer({ minimum: 0 }),
    ts: Type.Integer({ minimum: 0 }),
    ...SessionSettingsSchema.properties,
  },
  { additionalProperties: false },
);
export type SessionMeta = Static<typeof SessionMetaSchema>;

/** A fresh session header. */
export function newMeta(now: number, settings: SessionSettings = {}): SessionMeta {
  return { type: "session", sessionId: randomUUID(), createdAt: now, ts: now, ...settings };
}

/** The settings part of a header. */
export function settingsOf(meta: SessionMeta): SessionSettings {
  const { type: _t, sessionId: _s, createdAt: _c, ts: _ts, ...settings } = meta;
  return settings;
}

/**
 * The id of a transcript written before headers existed: derived from its key and first line, so
 * rebuilding the index gives the same id every time.
 */
export function legacySessionId(key: string, firstLine: string): string {
  const h = createHash("sha256").update(`${key}\n${firstLine}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export type SessionKind = "direct" | "group" | "global" | "unknown";

/** What a session key says about its conversation: `agent:<id>:<channel>:<dm|group>:<peer>`. */
export interface KeyFacts {
  kind: SessionKind;
  channel?: string;
  peer?: string;
}

/** Reads the channel, chat type and peer out of a key the router made; other keys are direct chats. */
export function keyFacts(key: string): KeyFacts {
  if (key === "global") return { kind: "global" };
  if (key === "unknown") return { kind: "unknown" };
  const m = /^agent:[^:]+:([a-z0-9-]+):(dm|group):(.+)$/.exec(key);
  if (m) return { kind: m[2] === "group" ? "group" : "direct", channel: m[1]!, peer: m[3]! };
  return { kind: "direct" };
}
