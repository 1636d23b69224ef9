import { StringDecoder } from "node:string_decoder";
import type { Readable, Writable } from "node:stream";
import type { Logger } from "pino";
import { classifyIncoming, RpcTransportError, settleResponse } from "./json-rpc.js";

export interface LineRpcOptions {
  log: Logger;
  /** Called for every notification (a message without `id`) the peer sends. */
  onNotification: (method: string, params: unknown) => void;
  /** A line longer than this is dropped (the peer is broken, memory is not). */
  maxLineBytes?: number;
  /** Deadline of a request that names none. */
  defaultTimeoutMs?: number;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  cleanup: () => void;
}

/**
 * JSON-RPC 2.0 over a pair of byte streams, one JSON object per line (a child's stdout/stdin).
 * Requests are matched to answers by id; when the input ends (the child exited) every pending
 * request is rejected at once instead of waiting for its deadline.
 */
export class LineRpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly decoder = new StringDecoder("utf8");
  private buffer = "";
  /** Skipping the rest of an over-long line. */
  private discarding = false;
  private closedBy: string | undefined;
  private readonly maxLine: number;

  constructor(
    input: Readable,
    private readonly output: Writable,
    private readonly opts: LineRpcOptions,
  ) {
    this.maxLine = opts.maxLineBytes ?? 16 * 1024 * 1024;
    input.on("data", (chunk: Buffer | string) => this.onData(typeof chunk === "string" ? chunk : this.decoder.write(chunk)));
    input.on("end", () => this.close("the program closed its output"));
    input.on("close", () => this.close("the program closed its output"));
    input.on("error", (err) => this.close(`reading from the program failed: ${err.message}`));
    output.on("error", (err) => this.close(`writing to the program failed: ${err.message}`));
  }

  /** Requests waiting for an answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Why the client no longer works, or undefined while it does. */
  get closedReason(): string | undefined {
    return this.closedBy;
  }

  /** Sends a request and resolves with its result; rejects with RpcError or RpcTransportError. */
  request(method: string, params?: unknown, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<unknown> {
    if (this.closedBy) return Promise.reject(new RpcTransportError(method, this.closedBy, "closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.fail(id, new RpcTransportError(method, "aborted", "aborted"));
      const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs ?? 30_000;
      const timer = setTimeout(() => this.fail(id, new RpcTransportError(method, `no answer within ${timeoutMs} ms`, "timeout")), timeoutMs);
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
      };
      this.pending.set(id, { method, resolve, reject, timer, cleanup });
      this.write({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });
    });
  }

  /** Sends a notification (no answer expected). */
  notify(method: string, params?: unknown): void {
    if (this.closedBy) return;
    this.write({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) });
  }

  /** Rejects every pending request; later requests fail at once. */
  close(reason: string): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    for (const [id, p] of [...this.pending]) this.fail(id, new RpcTransportError(p.method, reason, "closed"));
  }

  private write(message: object): void {
    try {
      this.output.write(`${JSON.stringify(message)}\n`);
    } catch (err) {
      this.close(`writing to the program failed: ${(err as Error).message}`);
    }
  }

  private fail(id: number, err: Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.cleanup();
    p.reject(err);
  }

  private onData(text: string): void {
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.discarding) {
        this.discarding = false;
        this.buffer = "";
        continue;
      }
      const line = this.buffer + piece;
      this.buffer = "";
      this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
    }
    if (this.discarding) return;
    this.buffer += text.slice(start);
    if (this.buffer.length > this.maxLine) {
      this.opts.log.error({ bytes: this.buffer.length }, "program sent an over-long line; dropped");
      this.buffer = "";
      this.discarding = true;
    }
  }

  private onLine(line: string): void {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.opts.log.warn({ line: line.slice(0, 200) }, "program printed a line that is not JSON; ignored");
      return;
    }
    const msg = classifyIncoming(value);
    if (msg.kind === "invalid") {
      this.opts.log.warn({ why: msg.why, line: line.slice(0, 200) }, "program sent an unreadable JSON-RPC message; ignored");
      return;
    }
    if (msg.kind === "notification") {
      this.opts.onNotification(msg.method, msg.params);
      return;
    }
    const p = typeof msg.id === "number" ? this.pending.get(msg.id) : undefined;
    if (!p || typeof msg.id !== "number") {
      // An error without id answers a line the peer could not parse at all.
      if (msg.error) this.opts.log.warn({ error: msg.error }, "program reported an error for no known request");
      else this.opts.log.debug({ id: msg.id }, "answer for no pending request; ignored");
      return;
    }
    this.pending.delete(msg.id);
    p.cleanup();
    try {
      p.resolve(settleResponse(p.method, msg));
    } catch (err) {
      p.reject(err as Error);
    }
  }
}
