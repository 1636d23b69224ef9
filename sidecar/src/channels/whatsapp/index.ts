import { defineChannel } from "../module.js";
import { WhatsAppAccountSchema, resolveWhatsApp } from "./config.js";
import type { WhatsAppTransport } from "./socket.js";

/** WhatsApp through Baileys (a linked WhatsApp Web device per account). */
export const whatsapp = defineChannel({
  id: "whatsapp",
  label: "WhatsApp",
  detailLabel: "WhatsApp Web",
  textLimit: 4000,
  captionLimit: 1024,
  accountSchema: WhatsAppAccountSchema,
  resolve: resolveWhatsApp,
  redact: (file) => file,
  // Credentials live in their own 0600 files, never in the config.
  secrets: () => [],
  // The adapter runs its own watchdog (frames and keep-alives, not only messages).
  staleAfterMs: () => Number.POSITIVE_INFINITY,
  create: async (deps: import("../module.js").ChannelDeps<ReturnType<typeof resolveWhatsApp>, WhatsAppTransport>) => {
    const { WhatsAppAdapter } = await import("./adapter.js");
    return new WhatsAppAdapter({ config: deps.account, stateDir: deps.stateDir, log: deps.log, now: deps.now, events: deps.events, transport: deps.transport });
  },
});
