// What the fakes of HTTP services share: the log of what they received (with waits for calls that
// have arrived or will), faults a test arms for the next matching calls, the hung connections a
// fault holds, a loopback listener, JSON answers and refused WebSocket upgrades.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** The fields every recorded call has. */
export interface LoggedCall {
  seq: number;
  /** The API method or route the call reached (`chat.postMessage`, `POST /channels/:id/messages`). */
  method: string;
  params: Record<string, unknown>;
}

interface Waiter<C> {
  pred: (c: C) => boolean;
  resolve: (c: C) => void;
}

/** Calls in arrival order; `changed` re-checks waiters whenever a call's outcome moves. */
export class CallLog<C extends LoggedCall> {
  readonly calls: C[] = [];
  private readonly waiters: Waiter<C>[] = [];

  constructor(
    private readonly service: string,
    private readonly line: (c: C) => string,
  ) {}

  /** The next sequence number (1-based). */
  nextSeq(): number {
    return this.calls.length + 1;
  }

  add(call: C): C {
    this.calls.push(call);
    this.changed(call);
    return call;
  }

  of(method: string): C[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Wakes the waiters a call now satisfies. */
  changed(call: C): void {
    for (const w of [...this.waiters]) {
      if (!w.pred(call)) continue;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve(call);
    }
  }

  /** The first call (recorded or future) matching `pred`, failing after `ms`. */
  waitFor(pred: (c: C) => boolean, ms = 10_000, what = "matching call"): Promise<C> {
    const hit = this.calls.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w: Waiter<C> = { pred, resolve: (c) => (clearTimeout(timer), resolve(c)) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`fake ${this.service}: no ${what} within ${ms} ms; calls:\n${this.describe()}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  /** One line per call, for failure messages. */
  describe(last = 40): string {
    return this.calls.slice(-last).map(this.line).join("\n");
  }
}

export interface FaultOptions {
  /** How many matching calls fail (Infinity: until healed). */
  times?: number;
  /** Only calls whose parameters match. */
  when?: (params: Record<string, unknown>) => boolean;
}

interface Armed<F> {
  method: string;
  fault: F;
  times: number;
  when: (params: Record<string, unknown>) => boolean;
}

/** Faults armed per method, each for its next `times` matching calls. */
export class Faults<F> {
  private readonly armed: Armed<F>[] = [];

  arm(method: string, fault: F, opts: FaultOptions = {}): void {
    this.armed.push({ method, fault, times: opts.times ?? 1, when: opts.when ?? (() => true) });
  }

  /** The fault for this call, if one is armed (and counts it). */
  take(method: string, params: Record<string, unknown>): F | undefined {
    const hit = this.armed.find((f) => f.method === method && f.when(params));
    if (!hit) return undefined;
    if (--hit.times <= 0) this.armed.splice(this.armed.indexOf(hit), 1);
    return hit.fault;
  }

  /** Disarms the faults of a method (every fault without one). */
  heal(method?: string): void {
    for (let i = this.armed.length - 1; i >= 0; i--) if (method === undefined || this.armed[i]!.method === method) this.armed.splice(i, 1);
  }
}

/** Answers a WebSocket upgrade with an HTTP error and closes the connection once it is written. */
export function refuseUpgrade(socket: Duplex, status: string): void {
  socket.once("finish", () => socket.destroy());
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

/** What every recorded HTTP call carries besides its method and parameters. */
export interface HttpCall extends LoggedCall {
  /** Wall-clock ms when the call arrived and when it was answered (or its connection ended). */
  at: number;
  endedAt?: number;
  outcome: string;
}

/** The call log, faults and held connections of an HTTP fake, and its loopback server. */
export abstract class HttpFake<C extends HttpCall, F> {
  readonly log: CallLog<C>;
  protected readonly faults = new Faults<F>();
  protected readonly hung = new Set<ServerResponse>();

  protected constructor(
    private readonly server: Server,
    readonly port: number,
    service: string,
    line: (c: C) => string,
  ) {
    this.log = new CallLog(service, line);
  }

  get calls(): C[] {
    return this.log.calls;
  }

  callsOf(method: string): C[] {
    return this.log.of(method);
  }

  waitForCall(pred: (c: C) => boolean, ms = 10_000, what = "matching call"): Promise<C> {
    return this.log.waitFor(pred, ms, what);
  }

  /** The next `times` calls of `method` (matching `when`) fail with `fault`. */
  fail(method: string, fault: F, opts: FaultOptions = {}): void {
    this.faults.arm(method, fault, opts);
  }

  heal(method?: string): void {
    this.faults.heal(method);
  }

  /** Cuts every connection held by a `hang` fault. */
  dropHung(): void {
    for (const res of this.hung) res.socket?.destroy();
    this.hung.clear();
  }

  /** Sets a call's outcome (and when it ended) and wakes its waiters. */
  protected settle(call: C, outcome: C["outcome"]): void {
    call.outcome = outcome;
    call.endedAt ??= Date.now();
    this.log.changed(call);
  }

  /** A hang (the request held open until the client or dropHung ends it) or a cut connection. */
  protected stall(call: C, res: ServerResponse, kind: "hang" | "destroy"): void {
    if (kind === "destroy") {
      this.settle(call, "destroyed");
      res.socket?.destroy();
      return;
    }
    this.hung.add(res);
    res.once("close", () => this.hung.delete(res));
    this.settle(call, "hung");
  }

  /** Closes the listener and every connection. */
  protected async closeServer(): Promise<void> {
    this.dropHung();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** An HTTP server on 127.0.0.1 (an ephemeral port unless `port` is given: a restarted fake). */
export async function listenLoopback(
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
  port = 0,
): Promise<{ server: Server; port: number }> {
  const server = createServer(onRequest);
  server.on("upgrade", onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("fake has no TCP address");
  return { server, port: addr.port };
}

/** A JSON answer (nothing when the response already ended). */
export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
