import { Type } from "@sinclair/typebox";

/** A string that must carry at least one character (ids, names, keys). */
export const NonEmptyString = Type.String({ minLength: 1 });

/** Milliseconds since the Unix epoch. */
export const EpochMs = Type.Integer({ minimum: 0 });

/** An object that is open by design (health snapshot, method results that grow over time). */
export const OpenObject = Type.Object({}, { additionalProperties: true });

/** Object schema options used everywhere a frame object must reject unknown keys. */
export const strict = { additionalProperties: false } as const;
