// The Signal service as a test sees it: users, groups, attachments, the messages waiting for the
// bot's account (they stay queued while no daemon takes them, as on the real server), and every
// JSON-RPC call a daemon made on the bot's behalf, with what it delivered. Daemons run in this
// process (FakeSignalDaemon with `localBackend()`) or as the fake `signal-cli` executable, which
// reaches this network over HTTP. Tests inject faults per method (an error answer, or a hang).
import { randomBytes, randomUUID } from "node:crypto";
import { readFile, writeFile, chmod } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CallOutcome, DaemonInfo, RpcErrorShape, SignalBackend } from "./backend.js";
import { messageEnvelope, type DataMessageExtras, type SignalAttachmentJson, type SignalUser } from "./envelopes.js";

export type Fault = { kind: "error"; error: RpcErrorShape } | { kind: "hang" };

export interface RpcRecord {
  seq: number;
  method: string;
  params: Record<string, unknown>;
  outcome: "ok" | "error" | "hung";
}

/** A message the bot's account sent through `send`. */
export interface Delivered {
  timestamp: number;
  recipient: string | undefined;
  groupId: string | undefined;
  text: string;
  attachments: { name: string; bytes: Buffer }[];
  quoteTimestamp: number | undefined;
}

interface ArmedFault {
  method: string;
  fault: Fault;
  times: number;
  when: (params: Record<string, unknown>) => boolean;
}

const CLI = fileURLToPath(new URL("./signal-cli", import.meta.url));

export class FakeSignalNetwork {
  readonly bot: SignalUser;
  readonly calls: RpcRecord[] = [];
  readonly delivered: Delivered[] = [];
  readonly daemons: DaemonInfo[] = [];
  private readonly pending: unknown[] = [];
  /** Envelopes handed to a daemon in another process and not yet acknowledged, by batch. */
  private readonly inflight = new Map<number, unknown[]>();
  private nextBatch = 1;
  private readonly pollers = new Set<() => void>();
  private readonly attachments = new Map<string, Buffer>();
  private readonly faults: ArmedFault[] = [];
  private readonly changeWaiters = new Set<() => void>();
  private seq = 0;
  private clock = Date.now();

  private constructor(
    private readonly server: Server,
    bot: SignalUser,
  ) {
    this.bot = bot;
  }

  static async start(bot: SignalUser = { number: "+15550000001", uuid: randomUUID(), name: "Clawd" }): Promise<FakeSignalNetwork> {
    const server = createServer();
    const net = new FakeSignalNetwork(server, bot);
    server.on("request", (req, res) => void net.route(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return net;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const wake of this.pollers) wake();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  /** A unique, increasing message timestamp (Signal identifies messages by sender + timestamp). */
  nextTimestamp(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  user(name: string, opts: { number?: string | null } = {}): SignalUser {
    const number = opts.number === null ? undefined : (opts.number ?? `+1555${String(1000000 + Math.floor(Math.random() * 8999999))}`);
    return { ...(number ? { number } : {}), uuid: randomUUID(), name };
  }

  /** A group id as signal-cli prints it: 32 random bytes, base64. */
  groupId(): string {
    return randomBytes(32).toString("base64");
  }

  /** Stores bytes the daemon will hand out through getAttachment. */
  attachment(bytes: Buffer, contentType: string, filename: string | null): SignalAttachmentJson {
    const id = `${randomBytes(8).toString("hex")}.${contentType.split("/")[1] ?? "bin"}`;
    this.attachments.set(id, bytes);
    return { contentType, filename, id, size: bytes.length, width: null, height: null, caption: null, uploadTimestamp: this.clock };
  }

  /** Queues any envelope for the bot's account. */
  push(envelope: unknown): void {
    this.pending.push(envelope);
    for (const wake of [...this.pollers]) wake();
  }

  /** A message from `from` to the bot (or to a group, with `extras.groupInfo`); returns its timestamp. */
  message(from: SignalUser, text: string | null, extras: DataMessageExtras = {}): number {
    const ts = this.nextTimestamp();
    this.push(messageEnvelope(from, ts, text, extras));
    return ts;
  }

  /** Envelopes no daemon has taken (and acknowledged) yet. */
  get queued(): number {
    return this.pending.length + [...this.inflight.values()].reduce((n, b) => n + b.length, 0);
  }

  /** What the bot sent to a number/uuid or a group. */
  sentTo(target: { recipient?: string; groupId?: string }): Delivered[] {
    return this.delivered.filter((d) => (target.groupId ? d.groupId === target.groupId : d.recipient === target.recipient));
  }

  callsOf(method: string): RpcRecord[] {
    return this.calls.filter((c) => c.method === method);
  }

  fail(method: string, fault: Fault, opts: { times?: number; when?: (params: Record<string, unknown>) => boolean } = {}): void {
    this.faults.push({ method, fault, times: opts.times ?? 1, when: opts.when ?? (() => true) });
  }

  heal(method?: string): void {
    for (let i = this.faults.length - 1; i >= 0; i--) if (!method || this.faults[i]!.method === method) this.faults.splice(i, 1);
  }

  /** Resolves once `cond` holds (checked after every call, delivery and daemon registration). */
  async until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
    if (cond()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.changeWaiters.delete(check);
        reject(new Error(`${what}: not within ${ms} ms; calls: ${this.calls.map((c) => `${c.method}(${c.outcome})`).join(", ")}`));
      }, ms);
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.changeWaiters.delete(check);
        resolve();
      };
      this.changeWaiters.add(check);
    });
  }

  /**
   * A script that runs the fake `signal-cli` against this network (what `cliPath` points at). Every
   * process it starts appends its pid to `<dir>/signal-cli.pids` (see `cliPids`).
   */
  async writeCli(dir: string, env: Record<string, string> = {}): Promise<string> {
    const path = join(dir, "signal-cli");
    const vars = { FAKE_SIGNAL_NETWORK: this.url, FAKE_SIGNAL_PIDS: join(dir, "signal-cli.pids"), ...env };
    const exports = Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
    await writeFile(path, `#!/bin/sh\n${exports} exec ${JSON.stringify(CLI)} "$@"\n`);
    await chmod(path, 0o755);
    return path;
  }

  /** Pids of every fake signal-cli the script in `dir` started, in order. */
  async cliPids(dir: string): Promise<number[]> {
    const text = await readFile(join(dir, "signal-cli.pids"), "utf8").catch(() => "");
    return text.split("\n").filter(Boolean).map(Number);
  }

  /** A backend for a daemon in this process. */
  localBackend(): SignalBackend {
    return {
      call: (account, method, params) => this.call(account, method, params),
      inbound: async (_account, signal) => ({ envelopes: await this.take(signal), ack: async () => undefined }),
      register: async (info) => {
        this.daemons.push(info);
        this.changed();
      },
    };
  }

  private changed(): void {
    for (const w of [...this.changeWaiters]) w();
  }

  private async take(signal: AbortSignal): Promise<unknown[]> {
    while (this.pending.length === 0) {
      if (signal.aborted) return [];
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.pollers.delete(wake);
          signal.removeEventListener("abort", wake);
          resolve();
        };
        this.pollers.add(wake);
        signal.addEventListener("abort", wake, { once: true });
      });
    }
    return this.pending.splice(0);
  }

  private async call(account: string, method: string, params: Record<string, unknown>): Promise<CallOutcome> {
    const record: RpcRecord = { seq: ++this.seq, method, params, outcome: "ok" };
    this.calls.push(record);
    try {
      const fault = this.faults.find((f) => f.method === method && f.times > 0 && f.when(params));
      if (fault) {
        fault.times--;
        record.outcome = fault.fault.kind === "hang" ? "hung" : "error";
        return fault.fault.kind === "hang" ? { hang: true } : { error: fault.fault.error };
      }
      if (account !== this.bot.number) {
        record.outcome = "error";
        return { error: { code: -32602, message: "Specified account does not exist" } };
      }
      const outcome = await this.perform(method, params);
      if ("error" in outcome) record.outcome = "error";
      return outcome;
    } finally {
      this.changed();
    }
  }

  private async perform(method: string, params: Record<string, unknown>): Promise<CallOutcome> {
    switch (method) {
      case "send":
        return this.send(params);
      case "sendTyping":
      case "sendReceipt":
      case "sendReaction":
        return { result: { timestamp: this.nextTimestamp(), results: [] } };
      case "getAttachment": {
        const bytes = this.attachments.get(String(params["id"]));
        return bytes ? { result: { data: bytes.toString("base64") } } : { error: { code: -1, message: `Attachment not found: ${String(params["id"])}` } };
      }
      case "getUserStatus": {
        const recipients = list(params["recipient"]);
        return { result: recipients.map((r) => ({ recipient: r, number: r, uuid: r === this.bot.number ? this.bot.uuid : null, isRegistered: r === this.bot.number })) };
      }
      case "version":
        return { result: { version: "0.13.99-fake" } };
      default:
        return { error: { code: -32601, message: "Method not implemented" } };
    }
  }

  private async send(params: Record<string, unknown>): Promise<CallOutcome> {
    const recipients = list(params["recipient"]);
    const groups = list(params["groupId"]);
    const text = typeof params["message"] === "string" ? params["message"] : "";
    const paths = list(params["attachments"] ?? params["attachment"]);
    if (recipients.length + groups.length !== 1) return { error: { code: -1, message: "No recipients given" } };
    if (!text && paths.length === 0) return { error: { code: -1, message: "Sending empty message is not allowed, either a message, attachment or sticker must be given." } };
    const attachments: Delivered["attachments"] = [];
    for (const p of paths) {
      const bytes = await readFile(p).catch(() => null);
      if (!bytes) return { error: { code: -1, message: `Failed to send message: ${p} (NoSuchFileException)` } };
      attachments.push({ name: basename(p), bytes });
    }
    const timestamp = this.nextTimestamp();
    const quote = params["quoteTimestamp"];
    this.delivered.push({ timestamp, recipient: recipients[0], groupId: groups[0], text, attachments, quoteTimestamp: typeof quote === "number" ? quote : undefined });
    return { result: { timestamp, results: [{ recipientAddress: { number: recipients[0] ?? null }, type: "SUCCESS" }] } };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
    const reply = (value: unknown): void => void res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(value));
    switch (req.url) {
      case "/daemon/register":
        // A new daemon means the one before it is gone: what it took without acknowledging comes back.
        for (const [batch, envelopes] of [...this.inflight].reverse()) {
          this.inflight.delete(batch);
          this.pending.unshift(...envelopes);
        }
        this.daemons.push(body as unknown as DaemonInfo);
        this.changed();
        return reply({ ok: true });
      case "/daemon/inbound": {
        const gone = new AbortController();
        res.on("close", () => gone.abort());
        const envelopes = await this.take(gone.signal);
        if (gone.signal.aborted) {
          // The daemon died while waiting: what it had not received yet stays queued.
          this.pending.unshift(...envelopes);
          return;
        }
        const batch = this.nextBatch++;
        this.inflight.set(batch, envelopes);
        return reply({ batch, envelopes });
      }
      case "/daemon/ack":
        this.inflight.delete(Number(body["batch"]));
        return reply({ ok: true });
      case "/daemon/rpc": {
        const outcome = await this.call(String(body["account"]), String(body["method"]), (body["params"] ?? {}) as Record<string, unknown>);
        if ("hang" in outcome) return; // the daemon's connection stays open; it never hears back
        return reply(outcome);
      }
      default:
        res.writeHead(404).end();
    }
  }
}

function list(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}
