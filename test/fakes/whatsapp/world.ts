// The WhatsApp side of the tests: the linked account, contacts with phone numbers and LIDs,
// groups, and every socket the gateway opened. Tests push messages in, read what was sent out,
// close connections with WhatsApp's status codes, rotate QR codes and "scan" them.
import { addTransactionCapability, proto, type AnyMessageContent, type GroupMetadata, type SignalDataSet, type SignalKeyStore, type UserFacingSocketConfig, type WAMessage, type WAMessageKey, type WAPresence } from "@whiskeysockets/baileys";
import { LIDMappingStore } from "@whiskeysockets/baileys/lib/Signal/lid-mapping.js";
import { pino } from "pino";
import type { SocketFactory, WhatsAppTransport } from "../../../sidecar/src/channels/whatsapp/socket.js";
import { eventually } from "../../support/wait.js";
import { FakeSocket, type SentRecord } from "./socket.js";

export type { SentRecord } from "./socket.js";

const silent = pino({ level: "silent" });

/** A message as a test describes it. */
export interface InboundSpec {
  /** Sender phone number (digits) for a DM, or a group participant (phone digits, or `lid:<digits>`). */
  from: string;
  text?: string;
  group?: string;
  /** JIDs mentioned (e.g. the bot's LID). */
  mentions?: string[];
  /** Replies to this message (id, and who wrote it). */
  replyTo?: { id: string; participant: string; text?: string };
  image?: { bytes: Buffer; caption?: string; mimetype?: string; declaredSize?: number };
  document?: { bytes: Buffer; fileName: string; mimetype?: string };
  voice?: { bytes: Buffer };
  video?: { bytes: Buffer; caption?: string; mimetype?: string };
  sticker?: { bytes: Buffer; animated?: boolean };
  viewOnce?: boolean;
  ephemeral?: boolean;
  /** Sent by the linked account itself (from the phone), to `to`. */
  fromMe?: boolean;
  to?: string;
  id?: string;
  pushName?: string;
}

/** In-memory signal keys for Baileys' LID mapping store. */
function memoryKeys(): SignalKeyStore {
  const data = new Map<string, unknown>();
  return {
    get: async (type, ids) => Object.fromEntries(ids.flatMap((id) => (data.has(`${type}:${id}`) ? [[id, data.get(`${type}:${id}`)]] : []))) as never,
    set: async (set: SignalDataSet) => {
      for (const [type, entries] of Object.entries(set)) for (const [id, v] of Object.entries(entries ?? {})) data.set(`${type}:${id}`, v);
    },
  };
}

export class FakeWhatsApp {
  /** The account the gateway links as. */
  readonly self = { pn: "15550001111", lid: "88880001111", name: "Clawd" };
  readonly sockets: FakeSocket[] = [];
  readonly sent: SentRecord[] = [];
  readonly presence: { type: WAPresence; jid?: string }[] = [];
  readonly reads: WAMessageKey[] = [];
  readonly logouts: string[] = [];
  readonly pairingRequests: string[] = [];
  readonly groups = new Map<string, GroupMetadata>();
  readonly lidMapping = new LIDMappingStore(addTransactionCapability(memoryKeys(), silent, { maxCommitRetries: 1, delayBetweenTriesMs: 1 }), silent);
  readonly media = new Map<string, Buffer>();
  metadataQueries = 0;
  /** What the next socket does once created: open (linked creds), or close with a status code. */
  nextConnect: { close: number } | undefined;
  /** While set, sendMessage waits for it (a send "in flight" at the server). */
  hold: Promise<void> | undefined;
  private qrCount = 0;
  private msgCount = 0;

  /** The seam handed to the gateway. */
  get transport(): WhatsAppTransport {
    return { makeSocket: this.factory, download: async (msg: WAMessage) => this.downloadFor(msg) };
  }

  readonly factory: SocketFactory = (config: UserFacingSocketConfig) => {
    const sock = new FakeSocket(this, this.sockets.length, config);
    this.sockets.push(sock);
    const plan = this.nextConnect;
    this.nextConnect = undefined;
    setImmediate(() => {
      sock.emit("connection.update", { connection: "connecting" });
      if (plan) sock.close(plan.close);
      else if (sock.creds.me) {
        sock.frame();
        sock.emit("connection.update", { connection: "open" });
      } else this.rotateQr(sock);
    });
    return sock;
  };

  get current(): FakeSocket {
    const s = this.sockets.at(-1);
    if (!s) throw new Error("the gateway opened no WhatsApp socket");
    return s;
  }

  get selfJid(): string {
    return `${this.self.pn}@s.whatsapp.net`;
  }

  get selfLid(): string {
    return `${this.self.lid}@lid`;
  }

  /** Waits until the gateway has opened `n` sockets. */
  async waitForSockets(n: number, ms = 10_000): Promise<FakeSocket> {
    await eventually(`${n} WhatsApp sockets`, () => this.sockets.length >= n, ms);
    return this.sockets[n - 1]!;
  }

  /** Waits for a sent message matching `pred`. */
  async waitForSent(what: string, pred: (s: SentRecord) => boolean, ms = 10_000): Promise<SentRecord> {
    await eventually(what, () => this.sent.some(pred), ms);
    return this.sent.find(pred)!;
  }

  /** Texts sent to a chat, in order. */
  textsTo(jid: string): string[] {
    return this.sent.filter((s) => s.jid === jid && "text" in s.content).map((s) => (s.content as { text: string }).text);
  }

  recordSent(s: SentRecord): void {
    this.sent.push(s);
  }

  async gate(_jid: string, _content: AnyMessageContent): Promise<void> {
    await this.hold;
  }

  /** A new QR code on an unlinked socket (WhatsApp rotates them about every 20 s). */
  rotateQr(sock = this.current): string {
    const qr = `2@fake-ref-${++this.qrCount},${this.self.pn},noise,identity,adv`;
    sock.emit("connection.update", { qr });
    return qr;
  }

  /** The phone scans the code (or enters the pairing code): creds gain `me`, then WhatsApp asks for a restart (515). */
  scan(sock = this.current): void {
    sock.emit("creds.update", { me: { id: `${this.self.pn}:12@s.whatsapp.net`, lid: `${this.self.lid}:12@lid`, name: this.self.name }, registered: true });
    sock.close(515, "Stream Errored (restart required)");
  }

  /** Makes a contact's LID known (as WhatsApp's LID sync would). */
  async knowLid(pn: string, lid: string): Promise<void> {
    await this.lidMapping.storeLIDPNMappings([{ lid: `${lid}@lid`, pn: `${pn}@s.whatsapp.net` }]);
  }

  addGroup(jid: string, subject: string, participants: string[]): void {
    this.groups.set(jid, { id: jid, subject, participants: participants.map((p) => ({ id: p, admin: null })) } as GroupMetadata);
  }

  /** Builds a real WebMessageInfo for a spec. */
  message(spec: InboundSpec): WAMessage {
    const id = spec.id ?? `FAKE${(++this.msgCount).toString().padStart(8, "0")}`;
    const fromJid = spec.from.startsWith("lid:") ? `${spec.from.slice(4)}@lid` : `${spec.from}@s.whatsapp.net`;
    const remoteJid = spec.group ?? (spec.fromMe ? `${spec.to ?? this.self.pn}@s.whatsapp.net` : fromJid);
    const contextInfo = {
      ...(spec.mentions ? { mentionedJid: spec.mentions } : {}),
      ...(spec.replyTo ? { stanzaId: spec.replyTo.id, participant: spec.replyTo.participant, quotedMessage: { conversation: spec.replyTo.text ?? "" } } : {}),
    };
    const ctx = Object.keys(contextInfo).length > 0 ? { contextInfo } : {};
    let message: proto.IMessage;
    if (spec.image) {
      this.media.set(id, spec.image.bytes);
      message = { imageMessage: { caption: spec.image.caption ?? null, mimetype: spec.image.mimetype ?? "image/jpeg", fileLength: spec.image.declaredSize ?? spec.image.bytes.length, ...ctx } };
    } else if (spec.document) {
      this.media.set(id, spec.document.bytes);
      message = { documentMessage: { fileName: spec.document.fileName, mimetype: spec.document.mimetype ?? "application/pdf", fileLength: spec.document.bytes.length, ...ctx } };
    } else if (spec.voice) {
      this.media.set(id, spec.voice.bytes);
      message = { audioMessage: { ptt: true, mimetype: "audio/ogg; codecs=opus", fileLength: spec.voice.bytes.length, ...ctx } };
    } else if (spec.video) {
      this.media.set(id, spec.video.bytes);
      message = { videoMessage: { caption: spec.video.caption ?? null, mimetype: spec.video.mimetype ?? "video/mp4", fileLength: spec.video.bytes.length, seconds: 3, ...ctx } };
    } else if (spec.sticker) {
      this.media.set(id, spec.sticker.bytes);
      message = { stickerMessage: { mimetype: "image/webp", isAnimated: spec.sticker.animated ?? false, fileLength: spec.sticker.bytes.length, ...ctx } };
    } else message = Object.keys(ctx).length > 0 ? { extendedTextMessage: { text: spec.text ?? "", ...ctx } } : { conversation: spec.text ?? "" };
    if (spec.viewOnce) message = { viewOnceMessageV2: { message } };
    if (spec.ephemeral) message = { ephemeralMessage: { message } };
    return proto.WebMessageInfo.fromObject({
      key: { remoteJid, fromMe: spec.fromMe ?? false, id, ...(spec.group ? { participant: fromJid } : {}) },
      message,
      messageTimestamp: Math.floor(Date.now() / 1000),
      ...(spec.pushName !== undefined ? { pushName: spec.pushName } : {}),
    }) as WAMessage;
  }

  /** A new message arrives (messages.upsert, type notify). */
  push(spec: InboundSpec, sock = this.current): WAMessage {
    const msg = this.message(spec);
    sock.emit("messages.upsert", { messages: [msg], type: "notify" });
    return msg;
  }

  /** History sync delivers old messages (messages.upsert, type append). */
  pushHistory(specs: InboundSpec[], sock = this.current): void {
    sock.emit("messages.upsert", { messages: specs.map((s) => this.message(s)), type: "append" });
  }

  private downloadFor(msg: WAMessage): Buffer {
    const bytes = msg.key?.id ? this.media.get(msg.key.id) : undefined;
    if (!bytes) throw new Error("media not found on the fake server");
    return bytes;
  }
}
