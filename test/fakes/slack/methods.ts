// The Web API methods the fake answers, each as Slack documents it: `{ok: true, ...}` on success,
// `{ok: false, error}` (HTTP 200) on failure.
import type { types } from "@slack/bolt";
import type { SlackWorld, StoredMessage } from "./world.js";

/** A Web API failure: Slack answers HTTP 200 with `{ok: false, error}`. */
export class SlackApiError extends Error {
  constructor(readonly error: string) {
    super(error);
  }
}

export type TokenKind = "bot" | "app";

export interface MethodContext {
  params: Record<string, unknown>;
  world: SlackWorld;
  /** Where an upload's bytes go (files.getUploadURLExternal). */
  uploadUrl(fileId: string): string;
  /** A fresh Socket Mode URL for the app (apps.connections.open). */
  socketUrl(): string;
  /** The bot's own message, echoed to the app as an event. */
  botPosted(message: StoredMessage, event: types.GenericMessageEvent): void;
}

interface Method {
  token: TokenKind;
  fn: (ctx: MethodContext) => Record<string, unknown>;
}

const str = (ctx: MethodContext, key: string): string | undefined => {
  const v = ctx.params[key];
  return v === undefined || v === null || v === "" ? undefined : String(v);
};

function required(ctx: MethodContext, key: string): string {
  const v = str(ctx, key);
  if (v === undefined) throw new SlackApiError(`invalid_arguments`);
  return v;
}

function postable(ctx: MethodContext, channel: string): void {
  const conv = ctx.world.conversation(channel);
  if (!conv) throw new SlackApiError("channel_not_found");
  if (!conv.botIsMember) throw new SlackApiError("not_in_channel");
}

/** Slack's hard limit for `text`; longer messages are refused. */
const MAX_TEXT = 40_000;

const METHODS: Record<string, Method> = {
  "auth.test": {
    token: "bot",
    fn: ({ world }) => ({
      url: `https://${world.team.domain}.slack.com/`,
      team: world.team.name,
      user: world.bot.name,
      team_id: world.team.id,
      user_id: world.bot.id,
      bot_id: world.bot.botId,
      is_enterprise_install: false,
    }),
  },
  "apps.connections.open": { token: "app", fn: (ctx) => ({ url: ctx.socketUrl() }) },
  "chat.postMessage": {
    token: "bot",
    fn: (ctx) => {
      const channel = required(ctx, "channel");
      postable(ctx, channel);
      const text = str(ctx, "text");
      if (text === undefined) throw new SlackApiError("no_text");
      if (text.length > MAX_TEXT) throw new SlackApiError("msg_too_long");
      const threadTs = str(ctx, "thread_ts");
      if (threadTs !== undefined && !ctx.world.message(channel, threadTs)) throw new SlackApiError("thread_not_found");
      const { message, event } = ctx.world.botMessage(channel, text, threadTs);
      ctx.botPosted(message, event);
      return { channel, ts: message.ts, message: { ...event, type: "message" } };
    },
  },
  "reactions.add": {
    token: "bot",
    fn: (ctx) => {
      const channel = required(ctx, "channel");
      const name = required(ctx, "name");
      const msg = ctx.world.message(channel, required(ctx, "timestamp"));
      if (!msg) throw new SlackApiError("message_not_found");
      let r = msg.reactions.find((x) => x.name === name);
      if (r?.users.includes(ctx.world.bot.id)) throw new SlackApiError("already_reacted");
      if (!r) msg.reactions.push((r = { name, users: [] }));
      r.users.push(ctx.world.bot.id);
      return {};
    },
  },
  "conversations.info": {
    token: "bot",
    fn: (ctx) => {
      const conv = ctx.world.conversation(required(ctx, "channel"));
      if (!conv) throw new SlackApiError("channel_not_found");
      return {
        channel: {
          id: conv.id,
          ...(conv.name ? { name: conv.name } : {}),
          is_channel: conv.kind === "channel",
          is_group: conv.kind === "group",
          is_im: conv.kind === "im",
          is_mpim: conv.kind === "mpim",
          is_private: conv.kind !== "channel",
          is_member: conv.botIsMember,
          ...(conv.user ? { user: conv.user } : {}),
        },
      };
    },
  },
  "conversations.open": {
    token: "bot",
    fn: (ctx) => {
      const user = required(ctx, "users").split(",")[0]!;
      if (!ctx.world.people.has(user)) throw new SlackApiError("user_not_found");
      return { channel: { id: ctx.world.dmWith(user).id } };
    },
  },
  "users.info": {
    token: "bot",
    fn: (ctx) => {
      const p = ctx.world.people.get(required(ctx, "user"));
      if (!p) throw new SlackApiError("user_not_found");
      return {
        user: {
          id: p.id,
          team_id: ctx.world.team.id,
          name: p.name,
          real_name: p.realName,
          deleted: false,
          is_bot: p.isBot,
          profile: { real_name: p.realName, display_name: p.name, ...(p.botId ? { bot_id: p.botId } : {}) },
        },
      };
    },
  },
  "files.getUploadURLExternal": {
    token: "bot",
    fn: (ctx) => {
      const length = Number(required(ctx, "length"));
      if (!Number.isInteger(length) || length <= 0) throw new SlackApiError("invalid_arguments");
      const file = ctx.world.storeFile(required(ctx, "filename"), length);
      return { upload_url: ctx.uploadUrl(file.id), file_id: file.id };
    },
  },
  "files.completeUploadExternal": {
    token: "bot",
    fn: (ctx) => {
      const list = ctx.params["files"];
      if (!Array.isArray(list) || list.length === 0) throw new SlackApiError("invalid_arguments");
      const files = list.map((f: { id?: string; title?: string }) => {
        const stored = f.id ? ctx.world.files.get(f.id) : undefined;
        if (!stored?.bytes) throw new SlackApiError("file_not_found");
        if (f.title) stored.title = f.title;
        stored.shared = true;
        return ctx.world.describeFile(stored);
      });
      const channel = str(ctx, "channel_id");
      if (channel !== undefined) {
        postable(ctx, channel);
        const { message, event } = ctx.world.botMessage(channel, str(ctx, "initial_comment") ?? "", str(ctx, "thread_ts"), files);
        ctx.botPosted(message, event);
      }
      return { files };
    },
  },
};

/** The method by name, if the fake knows it. */
export function lookupMethod(name: string): Method | undefined {
  return Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
}
