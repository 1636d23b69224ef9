import type { EventEmitter } from "node:events";
import type { UserFacingSocketConfig, WAMessage, WASocket } from "@whiskeysockets/baileys";

/** The part of a Baileys socket the adapter uses: what a fake must provide. */
export interface WhatsAppSocket {
  ev: WASocket["ev"];
  /** The raw connection; every frame received is a sign of life. */
  ws: Pick<EventEmitter, "on" | "off">;
  user: WASocket["user"];
  sendMessage: WASocket["sendMessage"];
  sendPresenceUpdate: WASocket["sendPresenceUpdate"];
  readMessages: WASocket["readMessages"];
  groupMetadata: WASocket["groupMetadata"];
  logout: WASocket["logout"];
  end: WASocket["end"];
  requestPairingCode: WASocket["requestPairingCode"];
  signalRepository: { lidMapping: Pick<WASocket["signalRepository"]["lidMapping"], "getPNForLID"> };
}

/** Builds a socket from Baileys' config (the real one is `makeWASocket`). */
export type SocketFactory = (config: UserFacingSocketConfig) => WhatsAppSocket;

/** Fetches and decrypts an inbound message's media (the real one is Baileys' downloadMediaMessage). */
export type MediaDownloader = (msg: WAMessage, sock: WhatsAppSocket) => Promise<Buffer>;

/** The WhatsApp channel's seam: tests give a fake socket factory (and downloader). */
export interface WhatsAppTransport {
  makeSocket: SocketFactory;
  download?: MediaDownloader;
}
