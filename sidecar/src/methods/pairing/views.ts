import type { Static } from "@sinclair/typebox";
import type { PairedDeviceInfoSchema, PairedNodeInfoSchema } from "@clawdbot/protocol";
import type { PairedDevice, PairedNode } from "../../pairing/schema.js";

type PairedDeviceInfo = Static<typeof PairedDeviceInfoSchema>;
type PairedNodeInfo = Static<typeof PairedNodeInfoSchema>;

/** A paired device as operators see it: token metadata only, never hashes. */
export function deviceView(d: PairedDevice, lastSeen: number | undefined): PairedDeviceInfo {
  const { tokens, lastSeenAtMs: _seen, ...rest } = d;
  return {
    ...rest,
    ...(lastSeen !== undefined ? { lastSeenAtMs: lastSeen } : {}),
    tokens: Object.entries(tokens).map(([role, t]) => {
      const { hash: _hash, ...meta } = t;
      return { role, ...meta };
    }),
  };
}

/** A paired node without its token hash. */
export function nodeView(n: PairedNode): PairedNodeInfo {
  const { tokenHash: _hash, ...rest } = n;
  return rest;
}
