// A fake `signal-cli daemon --http`: the three endpoints signal-cli serves, with its behaviour.
//   POST /api/v1/rpc     one JSON-RPC 2.0 request (Content-Type application/json, else 415);
//                        an answer with 200, a notification (no id) with 201 and an empty body
//   GET  /api/v1/events  Server-Sent Events: `id:<run>-<n>`, `event:receive`, `data:{envelope,account}`;
//                        `:` keep-alive comments; the last 1000 events kept, a `Last-Event-ID` of this
//                        run resumes after it, an unknown one (another run) replays all kept events
//   GET  /api/v1/check   200 while running
// Events are written in several pieces (a line cut in two, a UTF-8 character cut in two) so a client
// must join chunks. `silence()` makes the open streams go quiet without closing (a half-dead
// connection); `receiveMode` "on-connection" takes nothing off the network before a client listens.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SignalBackend } from "./backend.js";

export interface FakeDaemonOptions {
  backend: SignalBackend;
  account: string;
  host?: string;
  port?: number;
  receiveMode?: "on-start" | "on-connection";
  keepAliveMs?: number;
}

interface Stream {
  res: ServerResponse;
  silent: boolean;
  /** Writes in order, one at a time (an event's pieces must not interleave with another's). */
  chain: Promise<void>;
}

const MAX_EVENTS = 1000;

export class FakeSignalDaemon {
  readonly runId = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  private readonly events: { seq: number; data: string }[] = [];
  private nextSeq = 1;
  private readonly streams = new Set<Stream>();
  private receiving = false;
  private readonly pull = new AbortController();
  private keepAlive: NodeJS.Timeout | undefined;
  /** Event streams opened so far. */
  streamsOpened = 0;
  /** Every JSON-RPC request body received (notifications included). */
  readonly requests: { method: string; id: unknown; params: unknown }[] = [];

  private constructor(
    private readonly server: Server,
    private readonly opts: FakeDaemonOptions,
  ) {}

  static async start(opts: FakeDaemonOptions): Promise<FakeSignalDaemon> {
    const server = createServer();
    const daemon = new FakeSignalDaemon(server, opts);
    server.on("request", (req, res) => daemon.route(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
    });
    daemon.keepAlive = setInterval(() => daemon.broadcast(":\n"), opts.keepAliveMs ?? 15_000);
    if ((opts.receiveMode ?? "on-start") === "on-start") daemon.startReceiving();
    return daemon;
  }

  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${a.address}:${a.port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Open event streams. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** The open streams stop carrying anything (events and keep-alives) but stay open. */
  silence(): void {
    for (const s of this.streams) s.silent = true;
  }

  async stop(): Promise<void> {
    clearInterval(this.keepAlive);
    this.pull.abort();
    for (const s of this.streams) s.res.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private startReceiving(): void {
    if (this.receiving) return;
    this.receiving = true;
    void (async () => {
      while (!this.pull.signal.aborted) {
        try {
          const { envelopes, ack } = await this.opts.backend.inbound(this.opts.account, this.pull.signal);
          for (const envelope of envelopes) this.record(JSON.stringify({ envelope, account: this.opts.account }));
          if (envelopes.length > 0) await ack();
        } catch {
          if (this.pull.signal.aborted) return;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
  }

  private record(data: string): void {
    const ev = { seq: this.nextSeq++, data };
    this.events.push(ev);
    if (this.events.length > MAX_EVENTS) this.events.shift();
    for (const s of this.streams) this.sendEvent(s, ev);
  }

  private sendEvent(s: Stream, ev: { seq: number; data: string }): void {
    this.write(s, `id:${this.runId}-${ev.seq}\nevent:receive\ndata:${ev.data}\n\n`);
  }

  private broadcast(text: string): void {
    for (const s of this.streams) this.write(s, text);
  }

  /** Writes `text` in three pieces with pauses between them, so the reader sees split chunks. */
  private write(s: Stream, text: string): void {
    if (s.silent) return;
    const bytes = Buffer.from(text);
    const cuts = [Math.floor(bytes.length / 3), Math.floor((2 * bytes.length) / 3)];
    s.chain = s.chain.then(async () => {
      let from = 0;
      for (const to of [...cuts, bytes.length]) {
        if (s.silent || s.res.destroyed) return;
        if (to > from) s.res.write(bytes.subarray(from, to));
        from = to;
        await new Promise((r) => setTimeout(r, 1));
      }
    });
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/api/v1/check") return this.only(req, res, "GET", () => res.writeHead(200).end());
    if (path === "/api/v1/events") return this.only(req, res, "GET", () => this.openStream(req, res));
    if (path === "/api/v1/rpc") return this.only(req, res, "POST", () => void this.rpc(req, res));
    res.writeHead(404).end();
  }

  private only(req: IncomingMessage, res: ServerResponse, method: string, then: () => void): void {
    if (req.method !== method) res.writeHead(405).end();
    else then();
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    res.flushHeaders();
    const s: Stream = { res, silent: false, chain: Promise.resolve() };
    this.streamsOpened++;
    const last = req.headers["last-event-id"];
    if (typeof last === "string") {
      const prefix = `${this.runId}-`;
      const after = last.startsWith(prefix) ? Number(last.slice(prefix.length)) || 0 : 0;
      for (const ev of this.events) if (ev.seq > after) this.sendEvent(s, ev);
    }
    this.streams.add(s);
    res.on("close", () => this.streams.delete(s));
    this.startReceiving();
  }

  private async rpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
      res.writeHead(415).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
    } catch {
      this.answer(res, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Failed to parse request" } });
      return;
    }
    const id = body.id;
    if (typeof body.method !== "string") {
      this.answer(res, { jsonrpc: "2.0", id: id ?? null, error: { code: -32600, message: "method field must be set", data: null } });
      return;
    }
    this.requests.push({ method: body.method, id, params: body.params });
    const params = body.params && typeof body.params === "object" ? (body.params as Record<string, unknown>) : {};
    const outcome = await this.opts.backend.call(this.opts.account, body.method, params).catch((err: Error) => ({ error: { code: -32603, message: err.message } }));
    if ("hang" in outcome) return; // never answered; the client's connection stays open until it gives up
    if (id === undefined) {
      res.writeHead(201).end();
      return;
    }
    this.answer(res, "error" in outcome ? { jsonrpc: "2.0", id, error: outcome.error } : { jsonrpc: "2.0", id, result: outcome.result });
  }

  private answer(res: ServerResponse, body: unknown): void {
    const bytes = Buffer.from(JSON.stringify(body));
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": bytes.length }).end(bytes);
  }
}
