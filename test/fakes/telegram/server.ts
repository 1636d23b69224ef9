// A fake Telegram Bot API on loopback for running the real grammY client against: routes
// `/bot<token>/<method>` (JSON, urlencoded or multipart bodies), long-polls getUpdates, answers in
// Telegram's `{ok, result}` / `{ok:false, error_code, description, parameters}` shapes, records every
// call and lets a test inject failures (HTTP errors, 429 retry_after, hangs, cut connections).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Message, Update } from "grammy/types";
import { parseRequest, type UploadedFile } from "./body.js";
import { UpdateQueue } from "./long-poll.js";
import { ApiError, lookupMethod, type MethodContext } from "./methods.js";
import { TelegramWorld, type InboundSpec } from "./world.js";

/** What an injected failure does to a call. */
export type Fault =
  /** Answers `{ok:false}` with this code (429 carries `parameters.retry_after`). */
  | { kind: "error"; code: number; description?: string; retryAfter?: number }
  /** Never answers; the connection stays open until the client closes it. */
  | { kind: "hang" }
  /** Cuts the TCP connection without answering. */
  | { kind: "destroy" };

export interface FaultOptions {
  /** How many matching calls fail (Infinity: until `heal`). */
  times?: number;
  /** Only calls whose parameters match. */
  when?: (params: Record<string, unknown>) => boolean;
}

/** How the fake answered a call: still `pending` (a held poll), or the client left first (`abandoned`). */
export type Outcome = "pending" | "ok" | "error" | "hung" | "destroyed" | "abandoned";

/** One request the fake received. Times are wall-clock ms (`Date.now()`), `precise` is `performance.now()`. */
export interface RecordedCall {
  seq: number;
  method: string;
  params: Record<string, unknown>;
  files: readonly UploadedFile[];
  at: number;
  precise: number;
  outcome: Outcome;
  errorCode?: number;
  result?: unknown;
  /** When the fake answered, or the connection ended without an answer. */
  endedAt?: number;
  endedPrecise?: number;
}

interface ArmedFault extends Required<FaultOptions> {
  method: string;
  fault: Fault;
}

interface Waiter {
  pred: (c: RecordedCall) => boolean;
  resolve: (c: RecordedCall) => void;
}

export interface FakeTelegramOptions {
  token?: string;
  bot?: { id: number; username: string; first_name: string };
}

const ERROR_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden: bot was blocked by the user",
  404: "Not Found",
  409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
  500: "Internal Server Error",
  502: "Bad Gateway",
};

export class FakeTelegram {
  /** Every call in arrival order, wrong tokens and unknown methods included. */
  readonly calls: RecordedCall[] = [];
  readonly world: TelegramWorld;
  readonly updates = new UpdateQueue();
  /** A webhook URL set through setWebhook (getUpdates then answers 409). */
  readonly webhook = { url: "" };
  private readonly faults: ArmedFault[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly open = new Map<string, Set<RecordedCall>>();
  private readonly peaks = new Map<string, number>();
  private readonly hung = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly token: string,
    readonly port: number,
    bot: { id: number; username: string; first_name: string },
  ) {
    this.world = new TelegramWorld(bot);
  }

  /** Listens on 127.0.0.1, on an ephemeral port unless `port` is given (a restarted fake). */
  static async start(opts: FakeTelegramOptions = {}, port = 0): Promise<FakeTelegram> {
    let fake: FakeTelegram | undefined;
    const server = createServer((req, res) => void fake?.handle(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === "string") throw new Error("fake telegram has no TCP address");
    fake = new FakeTelegram(server, opts.token ?? "123:abc", addr.port, opts.bot ?? { id: 7_000_001, username: "clawd_test_bot", first_name: "Clawd" });
    return fake;
  }

  /** The value for `channels.telegram.apiRoot`. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get bot(): TelegramWorld["bot"] {
    return this.world.bot;
  }

  /** A user writes to the bot (or into a group); the update is queued for getUpdates. */
  pushMessage(spec: InboundSpec): { message: Message; update: Update } {
    const message = this.world.userMessage(spec);
    return { message, update: this.updates.push(message) };
  }

  /** The next `times` calls of `method` (matching `when`) fail with `fault`. */
  fail(method: string, fault: Fault, opts: FaultOptions = {}): void {
    this.faults.push({ method, fault, times: opts.times ?? 1, when: opts.when ?? (() => true) });
  }

  /** Disarms the faults of a method (all methods without one). Calls already hung stay hung. */
  heal(method?: string): void {
    for (let i = this.faults.length - 1; i >= 0; i--) if (method === undefined || this.faults[i]!.method === method) this.faults.splice(i, 1);
  }

  /** Cuts every connection held by a `hang` fault. */
  dropHung(): void {
    for (const res of this.hung) res.socket?.destroy();
    this.hung.clear();
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Texts of the sendMessage calls the fake accepted (delivered messages), optionally for one chat. */
  delivered(chatId?: number | string): string[] {
    return this.callsOf("sendMessage")
      .filter((c) => c.outcome === "ok" && (chatId === undefined || String(c.params["chat_id"]) === String(chatId)))
      .map((c) => String(c.params["text"]));
  }

  /** Requests of `method` whose connection is still open (held polls, hung calls). */
  openCount(method: string): number {
    return this.open.get(method)?.size ?? 0;
  }

  /** Most requests of `method` open at once since the start or the last `resetPeak`. */
  peakOpen(method: string): number {
    return this.peaks.get(method) ?? 0;
  }

  resetPeak(method: string): void {
    this.peaks.set(method, this.openCount(method));
  }

  /** The first call (recorded or future) matching `pred`, failing after `ms`. Re-checked whenever a call changes. */
  waitForCall(pred: (c: RecordedCall) => boolean, ms = 10_000, what = "matching call"): Promise<RecordedCall> {
    const hit = this.calls.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w: Waiter = { pred, resolve: (c) => (clearTimeout(timer), resolve(c)) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`fake telegram: no ${what} within ${ms} ms; calls:\n${this.describeCalls()}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  /** One line per call, for failure messages. */
  describeCalls(last = 40): string {
    return this.calls
      .slice(-last)
      .map((c) => `#${c.seq} ${c.method} ${c.outcome}${c.errorCode ? ` ${c.errorCode}` : ""} ${JSON.stringify(c.params).slice(0, 160)}`)
      .join("\n");
  }

  async stop(): Promise<void> {
    this.updates.close();
    this.dropHung();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) return this.download(file[1]!, decodeURIComponent(file[2]!), res);
    const route = /^\/bot([^/]+)\/([A-Za-z]+)\/?$/.exec(url.pathname);
    if (!route) return writeError(res, new ApiError(404, "Not Found"));
    let parsed;
    try {
      parsed = await parseRequest(req);
    } catch (err) {
      return writeError(res, new ApiError(400, (err as Error).message));
    }
    const known = lookupMethod(route[2]!);
    const call = this.record(known?.name ?? route[2]!, parsed.params, parsed.files, res);
    if (decodeURIComponent(route[1]!) !== this.token) return this.answerError(call, res, new ApiError(401, "Unauthorized"));
    if (this.applyFault(call, res)) return;
    if (!known) return this.answerError(call, res, new ApiError(404, "Not Found"));
    await this.run(call, res, known.fn);
  }

  private async run(call: RecordedCall, res: ServerResponse, fn: (c: MethodContext) => unknown): Promise<void> {
    const ctx: MethodContext = {
      params: call.params,
      files: call.files,
      world: this.world,
      updates: this.updates,
      webhook: this.webhook,
      onClientGone: (cb) => res.once("close", () => !res.writableEnded && cb()),
    };
    try {
      const pending = fn(ctx);
      if (pending instanceof Promise) this.changed(call);
      this.answer(call, res, await pending);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.answerError(call, res, err);
    }
  }

  private record(method: string, params: Record<string, unknown>, files: UploadedFile[], res: ServerResponse): RecordedCall {
    const call: RecordedCall = { seq: this.calls.length + 1, method, params, files, at: Date.now(), precise: performance.now(), outcome: "pending" };
    this.calls.push(call);
    const open = this.open.get(method) ?? new Set();
    this.open.set(method, open);
    open.add(call);
    this.peaks.set(method, Math.max(this.peakOpen(method), open.size));
    res.once("close", () => {
      open.delete(call);
      this.hung.delete(res);
      call.endedAt ??= Date.now();
      call.endedPrecise ??= performance.now();
      if (call.outcome === "pending") call.outcome = "abandoned";
      this.changed(call);
    });
    return call;
  }

  /** Applies the first armed fault matching the call; true when it took over the answer. */
  private applyFault(call: RecordedCall, res: ServerResponse): boolean {
    const armed = this.faults.find((f) => f.method === call.method && f.when(call.params));
    if (!armed) return false;
    if (--armed.times <= 0) this.faults.splice(this.faults.indexOf(armed), 1);
    const { fault } = armed;
    if (fault.kind === "error") {
      const params = fault.code === 429 ? { retry_after: fault.retryAfter ?? 1 } : undefined;
      const description = fault.description ?? (fault.code === 429 ? `Too Many Requests: retry after ${fault.retryAfter ?? 1}` : (ERROR_TEXT[fault.code] ?? "Error"));
      this.answerError(call, res, new ApiError(fault.code, description, params));
    } else if (fault.kind === "hang") {
      call.outcome = "hung";
      this.hung.add(res);
      this.changed(call);
    } else {
      call.outcome = "destroyed";
      this.ended(call);
      this.changed(call);
      res.socket?.destroy();
    }
    return true;
  }

  private answer(call: RecordedCall, res: ServerResponse, result: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    call.outcome = "ok";
    call.result = result;
    this.ended(call);
    writeJson(res, 200, { ok: true, result });
    this.changed(call);
  }

  private answerError(call: RecordedCall, res: ServerResponse, err: ApiError): void {
    if (res.writableEnded || res.destroyed) return;
    call.outcome = "error";
    call.errorCode = err.code;
    this.ended(call);
    writeError(res, err);
    this.changed(call);
  }

  private ended(call: RecordedCall): void {
    call.endedAt = Date.now();
    call.endedPrecise = performance.now();
  }

  /** `GET /file/bot<token>/<file_path>`, as getFile's `file_path` is downloaded. */
  private download(token: string, path: string, res: ServerResponse): void {
    const bytes = token === this.token ? this.world.fileByPath(path) : undefined;
    if (!bytes) return writeError(res, new ApiError(404, "Not Found"));
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
    res.end(bytes);
  }

  private changed(call: RecordedCall): void {
    for (const w of [...this.waiters]) {
      if (!w.pred(call)) continue;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(call);
    }
  }
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function writeError(res: ServerResponse, err: ApiError): void {
  writeJson(res, err.code, { ok: false, error_code: err.code, description: err.description, ...(err.parameters ? { parameters: err.parameters } : {}) });
}
