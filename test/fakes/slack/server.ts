// A fake Slack on loopback for running the real Bolt app against: the Web API (`POST
// /api/<method>`, form, JSON or multipart bodies, bearer tokens, `{ok, error}` answers, 429 with
// Retry-After), file uploads to the URL files.getUploadURLExternal hands out, Socket Mode on
// `/link/`, and, for HTTP mode, a sender that signs Events API requests the way Slack does.
import { createHmac, randomUUID } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { HttpFake, listenLoopback, writeJson, type HttpCall } from "../http-fake.js";
import { parseRequest } from "../telegram/body.js";
import { lookupMethod, SlackApiError, type MethodContext, type TokenKind } from "./methods.js";
import { SocketModeLink } from "./socket-mode.js";
import { SlackWorld, type UserMessageSpec } from "./world.js";

/** What an armed fault does to a Web API call. */
export type SlackFault =
  /** `{ok: false, error}` with HTTP 200, as Slack reports most failures. */
  | { kind: "error"; error: string }
  /** HTTP 429 with `Retry-After: <seconds>`. */
  | { kind: "ratelimited"; retryAfter: number }
  /** Another HTTP status (a proxy's 502, Slack's 500). */
  | { kind: "http"; status: number }
  /** Never answers; the connection stays open until the client gives up. */
  | { kind: "hang" }
  /** Cuts the TCP connection without answering. */
  | { kind: "destroy" };

export type Outcome = "pending" | "ok" | "error" | "ratelimited" | "http" | "hung" | "destroyed" | "abandoned";

export interface SlackCall extends HttpCall {
  token: string | undefined;
  /** Position in the fake's overall order of observations (calls and socket frames). */
  order: number;
  outcome: Outcome;
  error?: string;
  result?: Record<string, unknown>;
}

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  /** Echo the bot's own messages back as events, as Slack does (default true). */
  echoOwnMessages?: boolean;
}

/** What the gateway's Request URL answered to a signed Events API request. */
export interface HttpDelivery {
  status: number;
  body: string;
}

export class FakeSlack extends HttpFake<SlackCall, SlackFault> {
  readonly world = new SlackWorld();
  readonly socketMode: SocketModeLink;
  /** Tokens revoked in the workspace (answered `token_revoked`). */
  readonly revoked = new Set<string>();
  private observed = 0;

  private constructor(
    server: Server,
    port: number,
    readonly botToken: string,
    readonly appToken: string,
    private readonly echoOwnMessages: boolean,
  ) {
    super(server, port, "slack", (c) => `#${c.seq} ${c.method} ${c.outcome}${c.error ? ` ${c.error}` : ""} ${JSON.stringify(c.params).slice(0, 160)}`);
    this.socketMode = new SocketModeLink(() => `http://127.0.0.1:${this.port}`, () => ++this.observed);
  }

  /** Listens on 127.0.0.1 (an ephemeral port unless `port` is given). */
  static async start(opts: FakeSlackOptions = {}, port = 0): Promise<FakeSlack> {
    let fake: FakeSlack | undefined;
    const bound = await listenLoopback(
      (req, res) => void fake?.handle(req, res),
      (req, socket, head) => fake?.socketMode.upgrade(req, socket, head),
      port,
    );
    fake = new FakeSlack(bound.server, bound.port, opts.botToken ?? "xoxb-1-fake-bot-token", opts.appToken ?? "xapp-1-A0FAKEAPP-fake-app-token", opts.echoOwnMessages ?? true);
    return fake;
  }

  /** The value for `channels.slack.apiUrl`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** Texts the bot posted with chat.postMessage (accepted ones), optionally in one conversation. */
  delivered(channel?: string): string[] {
    return this.callsOf("chat.postMessage")
      .filter((c) => c.outcome === "ok" && (channel === undefined || c.params["channel"] === channel))
      .map((c) => String(c.params["text"]));
  }

  /** A person writes; the message (and app_mention) events go out over Socket Mode. */
  say(spec: UserMessageSpec): { ts: string; envelopes: string[] } {
    const { message, event, mention } = this.world.userMessage(spec);
    const envelopes = [this.socketMode.deliver(this.eventPayload(event))];
    if (mention) envelopes.push(this.socketMode.deliver(this.eventPayload(mention)));
    return { ts: message.ts, envelopes };
  }

  /** Sends any event to the app over Socket Mode. */
  deliverEvent(event: object): string {
    return this.socketMode.deliver(this.eventPayload(event));
  }

  /** The Events API body (`event_callback`) Slack wraps an event in. */
  eventPayload(event: object): Record<string, unknown> {
    const e = event as { event_ts?: string };
    return {
      token: "fake-verification-token",
      team_id: this.world.team.id,
      api_app_id: this.world.app.id,
      event,
      type: "event_callback",
      event_id: `Ev${randomUUID().replace(/-/g, "").slice(0, 12).toUpperCase()}`,
      event_time: Math.floor(Number(e.event_ts ?? "0")),
      authorizations: [{ enterprise_id: null, team_id: this.world.team.id, user_id: this.world.bot.id, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
  }

  /**
   * POSTs an Events API body to a Request URL the way Slack does (HTTP mode): JSON, signed with
   * `v0=HMAC-SHA256(secret, "v0:<ts>:<body>")`. `timestamp` backdates the request; `signature`
   * replaces the computed one.
   */
  async postEvents(url: string, body: Record<string, unknown>, opts: { signingSecret: string; timestamp?: number; signature?: string; retryNum?: number }): Promise<HttpDelivery> {
    const raw = JSON.stringify(body);
    const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = opts.signature ?? `v0=${createHmac("sha256", opts.signingSecret).update(`v0:${ts}:${raw}`).digest("hex")}`;
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
        "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        ...(opts.retryNum ? { "x-slack-retry-num": String(opts.retryNum), "x-slack-retry-reason": "http_timeout" } : {}),
      },
      body: raw,
    });
    return { status: res.status, body: await res.text() };
  }

  /** One line per call and envelope, for failure messages. */
  describe(): string {
    return `web api:\n${this.log.describe()}\nsocket mode:\n${this.socketMode.envelopes.describe()}`;
  }

  async stop(): Promise<void> {
    this.socketMode.close();
    await this.closeServer();
  }

  /** The next position in the order of observations. */
  order(): number {
    return ++this.observed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const upload = /^\/upload\/(F[0-9A-Z]+)$/.exec(url.pathname);
    if (upload && req.method === "POST") return this.receiveUpload(upload[1]!, req, res);
    const route = /^\/api\/([A-Za-z.]+)$/.exec(url.pathname);
    if (!route || req.method !== "POST") return writeJson(res, 404, { ok: false, error: "unknown_method" });
    let params: Record<string, unknown>;
    try {
      params = (await parseRequest(req)).params;
    } catch {
      return writeJson(res, 200, { ok: false, error: "invalid_form_data" });
    }
    const token = bearer(req) ?? (typeof params["token"] === "string" ? params["token"] : undefined);
    const call = this.log.add({ seq: this.log.nextSeq(), method: route[1]!, params, token, order: this.order(), at: Date.now(), outcome: "pending" });
    res.once("close", () => {
      if (call.outcome === "pending") this.settle(call, "abandoned");
    });
    const method = lookupMethod(call.method);
    if (!method) return this.refuse(call, res, "unknown_method");
    const tokenError = this.checkToken(token, method.token);
    if (tokenError) return this.refuse(call, res, tokenError);
    if (this.applyFault(call, res)) return;
    const ctx: MethodContext = {
      params,
      world: this.world,
      uploadUrl: (id) => `http://127.0.0.1:${this.port}/upload/${id}`,
      socketUrl: () => this.socketMode.issue(this.world.app.id),
      botPosted: (_m, event) => {
        if (this.echoOwnMessages) this.socketMode.deliver(this.eventPayload(event));
      },
    };
    try {
      const result = method.fn(ctx);
      call.result = result;
      this.settle(call, "ok");
      writeJson(res, 200, { ok: true, ...result });
    } catch (err) {
      if (!(err instanceof SlackApiError)) throw err;
      this.refuse(call, res, err.error);
    }
  }

  private checkToken(token: string | undefined, kind: TokenKind): string | undefined {
    if (!token) return "not_authed";
    if (this.revoked.has(token)) return "token_revoked";
    const expected = kind === "app" ? this.appToken : this.botToken;
    if (token === expected) return undefined;
    if (token === this.appToken || token === this.botToken) return "not_allowed_token_type";
    return "invalid_auth";
  }

  private refuse(call: SlackCall, res: ServerResponse, error: string): void {
    call.error = error;
    this.settle(call, "error");
    writeJson(res, 200, { ok: false, error });
  }

  /** Applies an armed fault; true when it took over the answer. */
  private applyFault(call: SlackCall, res: ServerResponse): boolean {
    const fault = this.faults.take(call.method, call.params);
    if (!fault) return false;
    switch (fault.kind) {
      case "error":
        this.refuse(call, res, fault.error);
        break;
      case "ratelimited":
        call.error = "ratelimited";
        this.settle(call, "ratelimited");
        writeJson(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(fault.retryAfter) });
        break;
      case "http":
        this.settle(call, "http");
        res.writeHead(fault.status, { "content-type": "text/plain" }).end("upstream trouble");
        break;
      case "hang":
      case "destroy":
        this.stall(call, res, fault.kind);
        break;
    }
    return true;
  }

  /** The upload step of files.uploadV2: the bytes go to the URL handed out, as raw or multipart. */
  private async receiveUpload(fileId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const file = this.world.files.get(fileId);
    const parsed = await parseRequest(req).catch(() => undefined);
    const bytes = parsed?.files[0]?.bytes;
    const call = this.log.add({ seq: this.log.nextSeq(), method: "upload", params: { fileId, size: bytes?.length ?? 0 }, token: bearer(req), order: this.order(), at: Date.now(), outcome: "pending" });
    if (!file || !bytes) {
      this.settle(call, "http");
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    file.bytes = bytes;
    this.settle(call, "ok");
    res.writeHead(200, { "content-type": "text/plain" }).end(`OK - ${bytes.length}`);
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  return m?.[1];
}
