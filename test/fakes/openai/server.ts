// A fake OpenAI-compatible chat-completions server on loopback: it speaks the real wire protocol
// (POST /v1/chat/completions, Bearer auth, `stream:true` answered as server-sent events ending in
// `data: [DONE]`) and lets a test drive each exchange by hand: send a delta, end, fail, hold open.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** A content part of a user message (text, or an image as a data: URL). */
export type ContentPart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };

export interface ChatCompletionBody {
  model: string;
  messages: { role: string; content: string | ContentPart[] }[];
  stream?: boolean;
  reasoning_effort?: string;
  stream_options?: { include_usage?: boolean };
}

/** OpenAI's `usage` object (and OpenRouter's `cost`). */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  cost?: number;
}

/** One request the fake received, and the handle that answers it. */
export class Exchange {
  /** Resolves when the client went away before the fake ended the response. */
  readonly clientGone: Promise<void>;
  private ended = false;
  private gone = false;
  private started = false;
  private streamed = "";
  /** What `done()` reports when the client asked for usage (default: about 4 characters a token). */
  usage: Usage | undefined;

  constructor(
    readonly authorization: string | undefined,
    readonly body: ChatCompletionBody,
    private readonly res: ServerResponse,
  ) {
    this.clientGone = new Promise((resolve) =>
      res.once("close", () => {
        if (this.ended) return;
        this.gone = true;
        resolve();
      }),
    );
  }

  /** True once the client disconnected mid-response. */
  get disconnected(): boolean {
    return this.gone;
  }

  /** Roles and contents of the messages sent, e.g. `["user:hi", "assistant:echo"]`. */
  get transcript(): string[] {
    return this.body.messages.map((m) => `${m.role}:${typeof m.content === "string" ? m.content : m.content.map((p) => (p.type === "text" ? p.text : "[image]")).join("")}`);
  }

  /** Streams one content delta as its own SSE event. */
  delta(content: string): void {
    this.streamed += content;
    this.raw(`data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] })}\n\n`);
  }

  /** Writes bytes as they are (split events, comments, CRLF). */
  raw(bytes: string | Buffer): void {
    this.open();
    this.res.write(bytes);
  }

  /** Ends the stream the way OpenAI does: a final empty delta, then `data: [DONE]`. */
  done(): void {
    this.raw(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
    // With stream_options.include_usage, OpenAI sends one more chunk: no choices, the usage.
    if (this.body.stream_options?.include_usage) this.raw(`data: ${JSON.stringify({ choices: [], usage: this.usage ?? this.estimate() })}\n\n`);
    this.raw("data: [DONE]\n\n");
    this.ended = true;
    this.res.end();
  }

  /** Answers with an HTTP error and a JSON body (before any stream started). */
  fail(status: number, message: string): void {
    if (this.started) throw new Error("fail() after the stream started: use sever() or raw() instead");
    this.ended = true;
    this.res.writeHead(status, { "content-type": "application/json" });
    this.res.end(JSON.stringify({ error: { message, type: "server_error" } }));
  }

  /** Cuts the TCP connection mid-stream (a crashed upstream). */
  sever(): void {
    this.ended = true;
    this.res.socket?.destroy();
  }

  /** Streams `parts` one by one, `gapMs` apart, then [DONE]. */
  async stream(parts: readonly string[], gapMs = 0): Promise<void> {
    for (const p of parts) {
      if (this.gone) return;
      this.delta(p);
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    }
    if (!this.gone) this.done();
  }

  private estimate(): Usage {
    const prompt = Math.ceil(this.transcript.join("").length / 4);
    const completion = Math.ceil(this.streamed.length / 4);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }

  private open(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    this.res.flushHeaders();
  }
}

/** What the fake does with an authorized request (the default streams "Hello", ", world"). */
export type Behaviour = (ex: Exchange) => void | Promise<void>;

export class FakeOpenAI {
  /** Every authorized and unauthorized request, in arrival order. */
  readonly exchanges: Exchange[] = [];
  /** Set per test: how the next requests are answered. */
  behaviour: Behaviour = (ex) => ex.stream(["Hello", ", world"]);
  private waiters: ((ex: Exchange) => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly apiKey: string,
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1 on an ephemeral port. */
  static async start(apiKey = "sk-test"): Promise<FakeOpenAI> {
    let fake: FakeOpenAI | undefined;
    const server = createServer((req, res) => void fake?.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === "string") throw new Error("fake openai has no TCP address");
    fake = new FakeOpenAI(server, apiKey, addr.port);
    return fake;
  }

  /** The value for `agent.openai.baseUrl`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** The `n`-th exchange (0-based), waiting for it to arrive. */
  exchange(n: number): Promise<Exchange> {
    return this.exchangeWhere((ex) => this.exchanges.indexOf(ex) === n);
  }

  /** The first exchange whose last message is the user's `message`, waiting for it to arrive. */
  exchangeFor(message: string): Promise<Exchange> {
    return this.exchangeWhere((ex) => ex.body.messages.at(-1)?.content === message);
  }

  /** The first exchange matching `pred`, waiting for it to arrive. */
  exchangeWhere(pred: (ex: Exchange) => boolean): Promise<Exchange> {
    const hit = this.exchanges.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => {
      const w = (ex: Exchange) => {
        if (!pred(ex)) return;
        this.waiters.splice(this.waiters.indexOf(w), 1);
        resolve(ex);
      };
      this.waiters.push(w);
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: ChatCompletionBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatCompletionBody;
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "body is not JSON" } }));
      return;
    }
    const ex = new Exchange(req.headers.authorization, body, res);
    this.exchanges.push(ex);
    for (const w of [...this.waiters]) w(ex);
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      ex.fail(401, "Incorrect API key provided");
      return;
    }
    try {
      await this.behaviour(ex);
    } catch (err) {
      // A broken behaviour is a bug in the test: make it visible upstream, never crash the process.
      process.stderr.write(`fake openai behaviour failed: ${String(err)}\n`);
      res.destroy();
    }
  }
}

/** A behaviour that leaves every exchange to the test (it answers through `fake.exchange(n)`). */
export const manual: Behaviour = () => undefined;
