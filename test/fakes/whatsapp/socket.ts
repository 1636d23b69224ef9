// One fake WhatsApp Web connection, as Baileys' makeWASocket returns it: its `ev` is Baileys' own
// event buffer, messages are real proto.WebMessageInfo objects, LIDs resolve through Baileys'
// own LID mapping store. The world it belongs to (FakeWhatsApp) drives it.
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { Boom } from "@hapi/boom";
import { makeEventBuffer, proto, type AnyMessageContent, type AuthenticationCreds, type GroupMetadata, type MiscMessageGenerationOptions, type UserFacingSocketConfig, type WAMessage, type WAMessageKey, type WAPresence } from "@whiskeysockets/baileys";
import { pino } from "pino";
import type { WhatsAppSocket } from "../../../sidecar/src/channels/whatsapp/socket.js";
import type { FakeWhatsApp } from "./world.js";

const silent = pino({ level: "silent" });

/** What one sendMessage carried. */
export interface SentRecord {
  socket: number;
  jid: string;
  content: AnyMessageContent;
  options: MiscMessageGenerationOptions | undefined;
  id: string;
}

export class FakeSocket implements WhatsAppSocket {
  readonly ev = makeEventBuffer(silent);
  readonly ws = new EventEmitter();
  user: WhatsAppSocket["user"];
  ended = false;
  /** Handlers subscribed through ev.process and not yet unsubscribed. */
  processHandlers = 0;
  readonly creds: AuthenticationCreds;
  readonly signalRepository: WhatsAppSocket["signalRepository"];

  constructor(
    private readonly world: FakeWhatsApp,
    readonly index: number,
    readonly config: UserFacingSocketConfig,
  ) {
    this.creds = (config.auth as { creds: AuthenticationCreds }).creds;
    this.signalRepository = { lidMapping: world.lidMapping };
    this.user = this.creds.me ? { ...this.creds.me } : undefined;
    const subscribe = this.ev.process.bind(this.ev);
    this.ev.process = (handler) => {
      const off = subscribe(handler);
      this.processHandlers++;
      let done = false;
      return () => {
        if (!done) this.processHandlers--;
        done = true;
        off();
      };
    };
  }

  /** Emits as Baileys does (through the buffer); creds updates are applied to the auth state first, like the real socket. */
  emit<E extends Parameters<FakeSocket["ev"]["emit"]>[0]>(event: E, data: Parameters<FakeSocket["ev"]["emit"]>[1]): void {
    if (this.ended) return;
    if (event === "creds.update") Object.assign(this.creds, data);
    this.ev.emit(event, data as never);
  }

  /** A frame from the server (keep-alive answers count as life). */
  frame(): void {
    this.ws.emit("message", Buffer.from([0]));
  }

  close(statusCode: number, message = "Connection Failure"): void {
    this.emit("connection.update", { connection: "close", lastDisconnect: { error: new Boom(message, { statusCode }), date: new Date() } });
    this.ended = true;
  }

  async sendMessage(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage | undefined> {
    if (this.ended) throw new Boom("Connection Closed", { statusCode: 428 });
    await this.world.gate(jid, content);
    const id = `3EB0${randomBytes(8).toString("hex").toUpperCase()}`;
    this.world.recordSent({ socket: this.index, jid, content, options, id });
    return proto.WebMessageInfo.fromObject({ key: { remoteJid: jid, fromMe: true, id }, messageTimestamp: Math.floor(Date.now() / 1000) }) as WAMessage;
  }

  async sendPresenceUpdate(type: WAPresence, jid?: string): Promise<void> {
    this.world.presence.push({ type, ...(jid ? { jid } : {}) });
  }

  async readMessages(keys: WAMessageKey[]): Promise<void> {
    this.world.reads.push(...keys);
  }

  async groupMetadata(jid: string): Promise<GroupMetadata> {
    this.world.metadataQueries++;
    const meta = this.world.groups.get(jid);
    if (!meta) throw new Boom("item-not-found", { statusCode: 404 });
    return meta;
  }

  async logout(msg?: string): Promise<void> {
    this.world.logouts.push(msg ?? "");
    this.close(401, "Intentional Logout");
  }

  async end(error: Error | undefined): Promise<void> {
    if (this.ended) return;
    this.emit("connection.update", { connection: "close", lastDisconnect: { error: error ?? new Boom("Connection Closed", { statusCode: 428 }), date: new Date() } });
    this.ended = true;
  }

  async requestPairingCode(phoneNumber: string): Promise<string> {
    this.world.pairingRequests.push(phoneNumber);
    return "K7PX3QRA";
  }
}
