// The REST routes (API v10) the fake answers, with Discord's error bodies: `{message, code}` and,
// for invalid forms, `{code: 50035, errors}`.
import type { APIAttachment, APIMessage } from "discord.js";
import type { UploadedFile } from "../telegram/body.js";
import type { DiscordWorld } from "./world.js";

/** A Discord API error answer. */
export class DiscordApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface RouteContext {
  world: DiscordWorld;
  ids: string[];
  body: Record<string, unknown>;
  files: readonly UploadedFile[];
  gatewayUrl: string;
  /** The bot's message, to be dispatched as MESSAGE_CREATE like Discord does. */
  botPosted(message: APIMessage): void;
}

export interface Route {
  /** `POST /channels/:id/messages`: what calls are recorded and faults armed under. */
  name: string;
  method: string;
  pattern: RegExp;
  fn: (ctx: RouteContext) => unknown;
}

const MAX_CONTENT = 2000;

function channelOf(ctx: RouteContext, id: string) {
  const ch = ctx.world.channels.get(id);
  if (!ch) throw new DiscordApiError(404, 10003, "Unknown Channel");
  return ch;
}

function tooLong(): DiscordApiError {
  return new DiscordApiError(400, 50035, "Invalid Form Body", { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_CONTENT} or fewer in length.` }] } });
}

function createMessage(ctx: RouteContext): APIMessage {
  const channelId = ctx.ids[0]!;
  channelOf(ctx, channelId);
  const content = typeof ctx.body["content"] === "string" ? ctx.body["content"] : "";
  if (content.length > MAX_CONTENT) throw tooLong();
  const ref = ctx.body["message_reference"] as { message_id?: string; fail_if_not_exists?: boolean } | undefined;
  let replyTo: string | undefined;
  if (ref?.message_id) {
    if (ctx.world.messages.get(ref.message_id)?.channel_id === channelId) replyTo = ref.message_id;
    else if (ref.fail_if_not_exists !== false) {
      throw new DiscordApiError(400, 50035, "Invalid Form Body", { message_reference: { _errors: [{ code: "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", message: "Unknown message" }] } });
    }
  }
  const attachments: APIAttachment[] = ctx.files.map((f) => {
    const id = ctx.world.snowflake();
    return { id, filename: f.filename, size: f.bytes.length, url: `https://cdn.discordapp.com/attachments/${channelId}/${id}/${f.filename}`, proxy_url: `https://media.discordapp.net/attachments/${channelId}/${id}/${f.filename}` };
  });
  if (!content && attachments.length === 0) throw new DiscordApiError(400, 50006, "Cannot send an empty message");
  const msg = ctx.world.botMessage(channelId, content, replyTo, attachments);
  if (ctx.files.length > 0) ctx.world.uploads.set(msg.id, ctx.files.map((f) => ({ filename: f.filename, bytes: f.bytes })));
  ctx.botPosted(msg);
  return msg;
}

const VALID_EMOJI = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[\u{1F3FB}-\u{1F3FF}\u200d\ufe0f])+$|^[\w-]+:\d+$/u;

export const ROUTES: Route[] = [
  { name: "GET /gateway/bot", method: "GET", pattern: /^\/gateway\/bot$/, fn: (ctx) => ({ url: ctx.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } }) },
  { name: "GET /gateway", method: "GET", pattern: /^\/gateway$/, fn: (ctx) => ({ url: ctx.gatewayUrl }) },
  { name: "GET /users/@me", method: "GET", pattern: /^\/users\/@me$/, fn: (ctx) => ctx.world.bot },
  {
    name: "POST /users/@me/channels",
    method: "POST",
    pattern: /^\/users\/@me\/channels$/,
    fn: (ctx) => {
      const user = ctx.world.users.get(String(ctx.body["recipient_id"]));
      if (!user) throw new DiscordApiError(400, 50035, "Invalid Form Body", { recipient_id: { _errors: [{ code: "NUMBER_TYPE_COERCE", message: "Value is not snowflake." }] } });
      return ctx.world.dm(user);
    },
  },
  { name: "GET /channels/:id", method: "GET", pattern: /^\/channels\/(\d+)$/, fn: (ctx) => channelOf(ctx, ctx.ids[0]!) },
  { name: "POST /channels/:id/messages", method: "POST", pattern: /^\/channels\/(\d+)\/messages$/, fn: createMessage },
  {
    name: "POST /channels/:id/typing",
    method: "POST",
    pattern: /^\/channels\/(\d+)\/typing$/,
    fn: (ctx) => {
      channelOf(ctx, ctx.ids[0]!);
      return undefined;
    },
  },
  {
    name: "PUT /channels/:id/messages/:id/reactions/:emoji/@me",
    method: "PUT",
    pattern: /^\/channels\/(\d+)\/messages\/(\d+)\/reactions\/([^/]+)\/@me$/,
    fn: (ctx) => {
      channelOf(ctx, ctx.ids[0]!);
      const msg = ctx.world.messages.get(ctx.ids[1]!);
      if (!msg || msg.channel_id !== ctx.ids[0]) throw new DiscordApiError(404, 10008, "Unknown Message");
      const emoji = decodeURIComponent(ctx.ids[2]!);
      if (!VALID_EMOJI.test(emoji)) throw new DiscordApiError(400, 10014, "Unknown Emoji");
      const reactions = (msg.reactions ??= []);
      const r = reactions.find((x) => x.emoji.name === emoji);
      if (r) {
        r.me = true;
      } else {
        reactions.push({ emoji: { id: null, name: emoji }, count: 1, me: true, count_details: { burst: 0, normal: 1 }, me_burst: false, burst_colors: [] });
      }
      return undefined;
    },
  },
];

/** The route for a request, with the ids it captured. */
export function matchRoute(method: string, path: string): { route: Route; ids: string[] } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m) return { route, ids: m.slice(1) };
  }
  return undefined;
}

