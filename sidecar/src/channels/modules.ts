import type { TOptional } from "@sinclair/typebox";
import { Type, type TObject } from "@sinclair/typebox";
import { sectionSchema, type SectionSchema } from "./module.js";
import { discord } from "./discord/index.js";
import { slack } from "./slack/index.js";
import { telegram } from "./telegram/index.js";
import { signal } from "./signal/index.js";
import { whatsapp } from "./whatsapp/index.js";
import { imessage } from "./imessage/index.js";

/**
 * Every channel the gateway can run. The config schema, config resolution, `channels.status`,
 * `channels.logout`, the CLI and start-up all read this list: adding a channel is one folder
 * and one line here.
 */
export const CHANNEL_MODULES = [telegram, whatsapp, signal, imessage, slack, discord] as const;

export type ChannelModules = typeof CHANNEL_MODULES;
export type ChannelId = ChannelModules[number]["id"];

type ChannelsProperties = { [M in ChannelModules[number] as M["id"]]: TOptional<SectionSchema<M["accountSchema"]>> };

/** `channels` in clawdbot.json: one optional section per module. */
export function channelsConfigSchema(): TObject<ChannelsProperties> {
  const props = Object.fromEntries(CHANNEL_MODULES.map((m) => [m.id, Type.Optional(sectionSchema(m.accountSchema))]));
  return Type.Object(props, { additionalProperties: false }) as unknown as TObject<ChannelsProperties>;
}

/** Transport seams per channel (tests inject fakes; absent = the real library). */
export type ChannelTransports = {
  [M in ChannelModules[number] as M["id"]]?: Parameters<M["create"]>[0]["transport"];
};

/** The module of a channel id. */
export function channelModule(id: string): ChannelModules[number] | undefined {
  return CHANNEL_MODULES.find((m) => m.id === id);
}
