// A fake Discord on loopback for running the real discord.js client against: REST under
// `/api/v10` (bot token auth, JSON or multipart with `payload_json`, Discord's error bodies, 429
// with `retry_after` per route or global) and the gateway WebSocket that `GET /gateway/bot` points
// at. The bot's own messages come back as MESSAGE_CREATE, as on Discord.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { APIMessage } from "discord.js";
import { HttpFake, listenLoopback, writeJson, type HttpCall } from "../http-fake.js";
import { parseRequest, type UploadedFile } from "../telegram/body.js";
import { FakeGateway } from "./gateway.js";
import { DiscordApiError, matchRoute, type RouteContext } from "./rest.js";
import { DiscordWorld } from "./world.js";

/** What an armed fault does to a REST call. */
export type DiscordFault =
  /** 429: `retry_after` seconds for this route, or for every route when `global`. */
  | { kind: "ratelimited"; retryAfter: number; global?: boolean }
  | { kind: "error"; status: number; code: number; message: string }
  | { kind: "hang" }
  | { kind: "destroy" };

export type Outcome = "pending" | "ok" | "error" | "ratelimited" | "hung" | "destroyed" | "abandoned";

export interface DiscordCall extends HttpCall {
  /** Captured ids of the path, in order (channel, message, emoji). */
  ids: string[];
  files: readonly UploadedFile[];
  authorization: string | undefined;
  outcome: Outcome;
  status?: number;
  result?: unknown;
}

export interface FakeDiscordOptions {
  token?: string;
}

export class FakeDiscord extends HttpFake<DiscordCall, DiscordFault> {
  readonly world = new DiscordWorld();
  readonly gateway: FakeGateway;
  /** While set, every route answers 429 global until this time (ms since epoch). */
  private globalUntil = 0;

  private constructor(
    server: Server,
    port: number,
    readonly token: string,
  ) {
    super(server, port, "discord", (c) => `#${c.seq} ${c.method} ${c.outcome}${c.status ? ` ${c.status}` : ""} ${JSON.stringify(c.params).slice(0, 160)}`);
    this.gateway = new FakeGateway(this.world, () => this.token, () => `ws://127.0.0.1:${this.port}/gateway-resume`);
  }

  static async start(opts: FakeDiscordOptions = {}, port = 0): Promise<FakeDiscord> {
    let fake: FakeDiscord | undefined;
    const bound = await listenLoopback(
      (req, res) => void fake?.handle(req, res),
      (req, socket, head) => fake?.gateway.upgrade(req, socket, head),
      port,
    );
    fake = new FakeDiscord(bound.server, bound.port, opts.token ?? "MTMwMDAwMDAwMDAwMDAwMDAwMQ.fake.bot-token");
    return fake;
  }

  /** The value for `channels.discord.apiBase`. */
  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** Contents the bot posted (accepted), optionally in one channel. */
  delivered(channelId?: string): string[] {
    return this.callsOf("POST /channels/:id/messages")
      .filter((c) => c.outcome === "ok" && (channelId === undefined || c.ids[0] === channelId))
      .map((c) => String(c.params["content"] ?? ""));
  }

  /** A person writes; MESSAGE_CREATE goes to the bot's session. */
  say(spec: Parameters<DiscordWorld["userMessage"]>[0]): APIMessage {
    const msg = this.world.userMessage(spec);
    this.gateway.dispatch("MESSAGE_CREATE", this.world.gatewayMessage(msg));
    return msg;
  }

  describe(): string {
    return `rest:\n${this.log.describe()}\ngateway:\n${this.gateway.frames.describe()}`;
  }

  async stop(): Promise<void> {
    this.gateway.close();
    await this.closeServer();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = /^\/api\/v10(\/.*)$/.exec(url.pathname)?.[1];
    const matched = path ? matchRoute(req.method ?? "GET", path) : undefined;
    let body: Record<string, unknown> = {};
    let files: UploadedFile[] = [];
    try {
      const parsed = await parseRequest(req);
      files = parsed.files;
      body = typeof parsed.params["payload_json"] === "object" ? (parsed.params["payload_json"] as Record<string, unknown>) : parsed.params;
    } catch {
      return writeJson(res, 400, { message: "400: Bad Request", code: 0 });
    }
    const call = this.log.add({ seq: this.log.nextSeq(), method: matched?.route.name ?? `${req.method} ${url.pathname}`, ids: matched?.ids ?? [], params: body, files, authorization: req.headers.authorization, at: Date.now(), outcome: "pending" });
    res.once("close", () => {
      if (call.outcome === "pending") this.settle(call, "abandoned");
    });
    if (!matched) return this.refuse(call, res, new DiscordApiError(404, 0, "404: Not Found"));
    if (req.headers.authorization !== `Bot ${this.token}`) return this.refuse(call, res, new DiscordApiError(401, 0, "401: Unauthorized"));
    if (this.applyFault(call, res)) return;
    const ctx: RouteContext = {
      world: this.world,
      ids: matched.ids,
      body,
      files,
      gatewayUrl: `ws://127.0.0.1:${this.port}/gateway`,
      botPosted: (m) => this.gateway.dispatch("MESSAGE_CREATE", this.world.gatewayMessage(m)),
    };
    try {
      const result = matched.route.fn(ctx);
      call.result = result;
      call.status = result === undefined ? 204 : 200;
      this.settle(call, "ok");
      if (result === undefined) res.writeHead(204).end();
      else writeJson(res, 200, result);
    } catch (err) {
      if (!(err instanceof DiscordApiError)) throw err;
      this.refuse(call, res, err);
    }
  }

  private refuse(call: DiscordCall, res: ServerResponse, err: DiscordApiError): void {
    call.status = err.status;
    this.settle(call, "error");
    writeJson(res, err.status, { message: err.message, code: err.code, ...(err.errors ? { errors: err.errors } : {}) });
  }

  private applyFault(call: DiscordCall, res: ServerResponse): boolean {
    if (Date.now() < this.globalUntil) {
      this.rateLimited(call, res, (this.globalUntil - Date.now()) / 1000, true);
      return true;
    }
    const fault = this.faults.take(call.method, call.params);
    if (!fault) return false;
    switch (fault.kind) {
      case "ratelimited":
        if (fault.global) this.globalUntil = Date.now() + fault.retryAfter * 1000;
        this.rateLimited(call, res, fault.retryAfter, fault.global ?? false);
        break;
      case "error":
        this.refuse(call, res, new DiscordApiError(fault.status, fault.code, fault.message));
        break;
      case "hang":
      case "destroy":
        this.stall(call, res, fault.kind);
        break;
    }
    return true;
  }

  /** 429 as Discord sends it: the body's `retry_after` (seconds, fractional) and the headers. */
  private rateLimited(call: DiscordCall, res: ServerResponse, retryAfter: number, global: boolean): void {
    call.status = 429;
    this.settle(call, "ratelimited");
    const headers: Record<string, string> = {
      "retry-after": String(Math.ceil(retryAfter)),
      "x-ratelimit-scope": global ? "global" : "user",
      ...(global ? { "x-ratelimit-global": "true" } : { "x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": retryAfter.toFixed(3), "x-ratelimit-bucket": `bucket-${call.method.replace(/\W+/g, "-")}` }),
    };
    writeJson(res, 429, { message: "You are being rate limited.", retry_after: retryAfter, global }, headers);
  }
}
