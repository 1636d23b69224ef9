import { join } from "node:path";
import { randomInt } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import { LockedJsonFile } from "../store/locked-json.js";

const Ms = Type.Integer({ minimum: 0 });
const Str = Type.String({ minLength: 1 });

const PendingCodeSchema = Type.Object(
  {
    channel: Str,
    /** The account the request came in on: the approval notice goes out through it. */
    accountId: Type.Optional(Str),
    code: Str,
    senderId: Str,
    senderName: Type.Optional(Type.String()),
    chatId: Str,
    ts: Ms,
    notifiedAt: Ms,
  },
  { additionalProperties: false },
);
export type PendingCode = Static<typeof PendingCodeSchema>;

const ApprovedSchema = Type.Object(
  { channel: Str, senderId: Str, senderName: Type.Optional(Type.String()), approvedAt: Ms },
  { additionalProperties: false },
);
export type ApprovedSender = Static<typeof ApprovedSchema>;

const AccessFileSchema = Type.Object(
  {
    version: Type.Literal(1),
    pending: Type.Record(Type.String(), PendingCodeSchema),
    approved: Type.Record(Type.String(), ApprovedSchema),
  },
  { additionalProperties: false },
);

export const CODE_TTL_MS = 60 * 60_000;
const REMIND_AFTER_MS = 10 * 60_000;
const MAX_PENDING_PER_CHANNEL = 20;
// No 0/O/1/I/L: codes are read aloud and typed by hand.
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** Channel senders approved through pairing codes, in `<stateDir>/channels/access.json`; survives restarts. */
export class ChannelAccessStore {
  private constructor(
    private readonly file: LockedJsonFile<typeof AccessFileSchema>,
    private readonly now: () => number,
  ) {}

  static async open(stateDir: string, now: () => number): Promise<ChannelAccessStore> {
    const file = await LockedJsonFile.open(join(stateDir, "channels", "access.json"), AccessFileSchema, () => ({
      version: 1 as const,
      pending: {},
      approved: {},
    }));
    return new ChannelAccessStore(file, now);
  }

  isApproved(channel: string, senderId: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.file.data.approved, `${channel}:${senderId}`);
  }

  listPending(channel?: string): PendingCode[] {
    const cutoff = this.now() - CODE_TTL_MS;
    return Object.values(this.file.data.pending).filter((p) => p.ts >= cutoff && (!channel || p.channel === channel));
  }

  listApproved(channel?: string): ApprovedSender[] {
    return Object.values(this.file.data.approved).filter((a) => !channel || a.channel === channel);
  }

  /**
   * Returns the sender's pairing code, creating one if needed; `notify` says whether to tell the
   * sender (new code, or a reminder after a quiet period) so unknown senders cannot make the bot spam.
   */
  codeFor(channel: string, accountId: string, senderId: string, chatId: string, senderName?: string): Promise<{ code: string; notify: boolean } | null> {
    return this.file.mutate((doc) => {
      const now = this.now();
      for (const [k, p] of Object.entries(doc.pending)) if (p.ts < now - CODE_TTL_MS) delete doc.pending[k];
      const mine = Object.values(doc.pending).find((p) => p.channel === channel && p.senderId === senderId);
      if (mine) {
        const notify = now - mine.notifiedAt >= REMIND_AFTER_MS;
        if (notify) mine.notifiedAt = now;
        return { code: mine.code, notify };
      }
      if (Object.values(doc.pending).filter((p) => p.channel === channel).length >= MAX_PENDING_PER_CHANNEL) return null;
      let code = "";
      do code = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
      while (doc.pending[`${channel}:${code}`]);
      doc.pending[`${channel}:${code}`] = {
        channel,
        accountId,
        code,
        senderId,
        chatId,
        ts: now,
        notifiedAt: now,
        ...(senderName !== undefined ? { senderName } : {}),
      };
      return { code, notify: true };
    });
  }

  /** Approves the sender behind a code (case-insensitive). */
  approve(channel: string, code: string): Promise<PendingCode | undefined> {
    return this.file.mutate((doc) => {
      const key = `${channel}:${code.trim().toUpperCase()}`;
      const p = doc.pending[key];
      if (!p || p.ts < this.now() - CODE_TTL_MS) return undefined;
      delete doc.pending[key];
      doc.approved[`${channel}:${p.senderId}`] = {
        channel,
        senderId: p.senderId,
        approvedAt: this.now(),
        ...(p.senderName !== undefined ? { senderName: p.senderName } : {}),
      };
      return p;
    });
  }

  reject(channel: string, code: string): Promise<PendingCode | undefined> {
    return this.file.mutate((doc) => {
      const key = `${channel}:${code.trim().toUpperCase()}`;
      const p = doc.pending[key];
      if (p) delete doc.pending[key];
      return p;
    });
  }

  /** Forgets every approval and code of a channel (logout). */
  forget(channel: string): Promise<void> {
    return this.file.mutate((doc) => {
      for (const k of Object.keys(doc.pending)) if (k.startsWith(`${channel}:`)) delete doc.pending[k];
      for (const k of Object.keys(doc.approved)) if (k.startsWith(`${channel}:`)) delete doc.approved[k];
    });
  }
}
