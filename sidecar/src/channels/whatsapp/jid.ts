import { isJidBroadcast, isJidGroup, isJidStatusBroadcast, isLidUser, jidDecode, jidNormalizedUser } from "@whiskeysockets/baileys";
import type { WhatsAppSocket } from "./socket.js";

/** `+15551234567` or digits → the user JID; JIDs pass through without their device suffix. */
export function toJid(target: string): string {
  if (target.includes("@")) return isJidGroup(target) ? target : jidNormalizedUser(target);
  const digits = target.replace(/[^0-9]/g, "");
  return `${digits}@s.whatsapp.net`;
}

/** A phone-number JID as E.164 (`+15551234567`); undefined for groups, LIDs and others. */
export function jidToE164(jid: string | null | undefined): string | undefined {
  if (!jid) return undefined;
  const d = jidDecode(jid);
  if (!d || (d.server !== "s.whatsapp.net" && d.server !== "c.us")) return undefined;
  return `+${d.user}`;
}

/** Chats the agent never serves: status updates and broadcast lists. */
export function isBroadcastChat(jid: string): boolean {
  return isJidStatusBroadcast(jid) || Boolean(isJidBroadcast(jid));
}

/**
 * A user's E.164 number from any of their addresses: a phone JID, the `…Alt` phone JID a LID
 * message carries, or a LID resolved through Baileys' LID mapping. Unknown LIDs stay `lid:<user>`.
 */
export async function senderE164(sock: WhatsAppSocket, jid: string | null | undefined, alt?: string | null): Promise<string | undefined> {
  const direct = jidToE164(jid) ?? jidToE164(alt);
  if (direct || !jid) return direct;
  if (isLidUser(jid)) {
    const pn = await sock.signalRepository.lidMapping.getPNForLID(jidNormalizedUser(jid)).catch(() => null);
    return jidToE164(pn) ?? `lid:${jidDecode(jid)?.user ?? jid}`;
  }
  return undefined;
}

/** The linked account's own addresses (phone JID and LID, normalised). */
export function selfJids(sock: WhatsAppSocket): string[] {
  const u = sock.user;
  return [u?.id, u?.lid].filter((j): j is string => Boolean(j)).map((j) => jidNormalizedUser(j));
}
