import type { ChannelSummary, CompanionMessage, PendingPairing } from "@clawdbot/protocol/companion";
import { channelLabel } from "./menu.js";

export type NotifyMessage = Extract<CompanionMessage, { type: "notify" }>;

/** Notification ids, read back when the shell reports an action on one. */
export const NOTIFICATION = {
  pairing: (p: Pick<PendingPairing, "kind" | "requestId">) => `pair:${p.kind}:${p.requestId}`,
  channel: (key: string, n: number) => `channel:${key}:${n}`,
} as const;

/**
 * Decides what deserves a notification: a pairing request the first time it is seen (from its
 * event or from a list, whichever comes first), a channel the moment it goes from connected to
 * down. Each event produces at most one notification.
 */
export class Notifier {
  private readonly seenRequests = new Set<string>();
  private readonly connected = new Map<string, boolean>();
  private downCount = 0;

  /** Notifications for requests not seen before. */
  pairing(pending: readonly PendingPairing[]): NotifyMessage[] {
    const out: NotifyMessage[] = [];
    for (const p of pending) {
      const id = NOTIFICATION.pairing(p);
      if (this.seenRequests.has(id)) continue;
      this.seenRequests.add(id);
      out.push(pairingNotice(p, id));
    }
    return out;
  }

  /** Notifications for channels that were connected on the last look and are not now. */
  channels(channels: readonly ChannelSummary[]): NotifyMessage[] {
    const out: NotifyMessage[] = [];
    for (const c of channels) {
      const key = c.accountId ? `${c.name}:${c.accountId}` : c.name;
      const was = this.connected.get(key);
      this.connected.set(key, c.connected);
      if (was === true && !c.connected) out.push(channelNotice(c, NOTIFICATION.channel(key, ++this.downCount)));
    }
    return out;
  }
}

function pairingNotice(p: PendingPairing, id: string): NotifyMessage {
  const where = [p.platform, p.address ? `from ${p.address}` : undefined].filter(Boolean).join(" ");
  const asks = p.kind === "device" ? `asks for ${p.scopes.length > 0 ? p.scopes.join(", ") : "operator.read"}` : `offers ${p.commands.join(", ") || "no commands"}`;
  return {
    type: "notify",
    id,
    title: `${p.kind === "node" ? "Node" : "Device"} ${p.name} wants to pair`,
    body: `${where ? `${where} — ` : ""}${asks}`,
    actions: [
      { id: "approve", title: "Approve" },
      { id: "reject", title: "Reject" },
    ],
  };
}

function channelNotice(c: ChannelSummary, id: string): NotifyMessage {
  // With several accounts the notice names the one it is about.
  const label = `${channelLabel(c.name)}${c.accountId ? ` (${c.accountId})` : ""}`;
  if (c.needsRelink) {
    return { type: "notify", id, title: `${label} needs to be linked again`, body: c.lastError ?? "The phone logged this session out.", actions: [{ id: "link", title: "Link WhatsApp" }] };
  }
  return { type: "notify", id, title: `${label} is down`, body: c.lastError ?? "The channel lost its connection.", actions: [] };
}
