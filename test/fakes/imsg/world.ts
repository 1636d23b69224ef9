// Messages.app as a test sees it, behind the fake `imsg rpc`: chats, the message database (rows
// with increasing ids, kept while no imsg watches, replayed from `since_rowid`), what the bot sent,
// and every request. Each fake imsg process connects here over a line-JSON TCP socket; the world
// answers its requests (`chats.list`, `watch.subscribe`, `watch.unsubscribe`, `send`), pushes
// `message` / `error` notifications to its subscriptions, and can make it crash, print to stderr,
// answer with errors, hang, or fail to open the database (Full Disk Access missing).
import { chmod, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface FakeChat {
  id: number;
  identifier: string;
  guid: string;
  name: string;
  service: "iMessage" | "SMS";
  participants: string[];
  isGroup: boolean;
}

export interface FakeAttachment {
  filename: string;
  /** Newer imsg releases add the path with the home folder expanded. */
  original_path?: string;
  transfer_name: string;
  mime_type: string;
  total_bytes: number;
  missing: boolean;
}

export interface Row {
  id: number;
  chat_id: number;
  guid: string;
  sender: string;
  is_from_me: boolean;
  text: string;
  created_at: string;
  attachments: FakeAttachment[];
  reply_to_id?: number;
  reply_to_text?: string;
  reply_to_sender?: string;
}

export interface Sent {
  text: string;
  file: string | undefined;
  fileBytes: Buffer | undefined;
  service: string | undefined;
  chatId: number | undefined;
  to: string | undefined;
}

interface Child {
  pid: number;
  args: string[];
  socket: Socket;
  subscriptions: Map<number, { chatId: number | undefined; attachments: boolean }>;
  alive: boolean;
}

interface RpcRequest {
  id?: number | string;
  method: string;
  params?: Record<string, unknown>;
}

type Fault = { kind: "error"; code: number; message: string } | { kind: "hang" };

const FAKE = fileURLToPath(new URL("./imsg", import.meta.url));

export class FakeMessages {
  readonly chats = new Map<number, FakeChat>();
  readonly rows: Row[] = [];
  readonly sent: Sent[] = [];
  readonly requests: (RpcRequest & { pid: number })[] = [];
  readonly children: Child[] = [];
  /** Every process start fails like imsg without Full Disk Access. */
  denyDatabase = false;
  /** Rows go out without `is_group`, as older imsg releases sent them. */
  omitIsGroup = false;
  private nextRowId = 100;
  private nextSub = 1;
  private readonly faults: { method: string; fault: Fault; times: number }[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeMessages> {
    const server = createServer();
    const world = new FakeMessages(server);
    server.on("connection", (s) => world.accept(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return world;
  }

  get address(): string {
    const a = this.server.address() as AddressInfo;
    return `127.0.0.1:${a.port}`;
  }

  async stop(): Promise<void> {
    for (const c of this.children) c.socket.destroy();
    await new Promise((r) => this.server.close(r));
  }

  /**
   * A wrapper script that runs the fake imsg against this world (what `cliPath` points at), named
   * `name`. `ignoreEof` makes the process outlive the end of its stdin, as a remote end might.
   */
  async writeCli(dir: string, opts: { name?: string; ignoreEof?: boolean } = {}): Promise<string> {
    const path = join(dir, opts.name ?? "imsg-wrapper");
    const env = `FAKE_IMSG_CONTROL=${this.address}${opts.ignoreEof ? " FAKE_IMSG_IGNORE_EOF=1" : ""}`;
    await writeFile(path, `#!/bin/sh\n${env} exec ${JSON.stringify(FAKE)} "$@"\n`);
    await chmod(path, 0o755);
    return path;
  }

  /** The live fake imsg process, if one is connected. */
  get current(): Child | undefined {
    return [...this.children].reverse().find((c) => c.alive);
  }

  dmChat(handle: string, service: FakeChat["service"] = "iMessage"): FakeChat {
    const id = this.chats.size + 1;
    const chat: FakeChat = { id, identifier: handle, guid: `${service};-;${handle}`, name: "", service, participants: [handle], isGroup: false };
    this.chats.set(id, chat);
    return chat;
  }

  groupChat(name: string, participants: string[]): FakeChat {
    const id = this.chats.size + 1;
    const identifier = `chat${100000 + id}`;
    const chat: FakeChat = { id, identifier, guid: `iMessage;+;${identifier}`, name, service: "iMessage", participants, isGroup: true };
    this.chats.set(id, chat);
    return chat;
  }

  /** A message arrives in the database; subscribed imsg processes are told at once. */
  receive(chat: FakeChat, sender: string, text: string, extra: { attachments?: FakeAttachment[]; isFromMe?: boolean; replyTo?: Row } = {}): Row {
    const row: Row = {
      id: this.nextRowId++,
      chat_id: chat.id,
      guid: `FAKE-${this.nextRowId}`,
      sender,
      is_from_me: extra.isFromMe ?? false,
      text,
      created_at: new Date().toISOString(),
      attachments: extra.attachments ?? [],
      ...(extra.replyTo ? { reply_to_id: extra.replyTo.id, reply_to_text: extra.replyTo.text, reply_to_sender: extra.replyTo.sender } : {}),
    };
    this.rows.push(row);
    for (const c of this.children) if (c.alive) for (const [sub, s] of c.subscriptions) this.deliver(c, sub, s, row);
    return row;
  }

  /** An `error` notification on every subscription of the live process. */
  watchError(message: string): void {
    const c = this.current;
    if (c) for (const sub of c.subscriptions.keys()) this.send(c, { notify: { method: "error", params: { subscription: sub, error: { message } } } });
  }

  /** The live process exits with this code (a crash). */
  crash(code = 1, stderr = "fatal: simulated crash"): void {
    const c = this.current;
    if (c) this.send(c, { stderr, exit: code });
  }

  /** The live process prints a line on stdout that is not JSON-RPC. */
  garbage(line: string): void {
    const c = this.current;
    if (c) this.send(c, { stdout: line });
  }

  fail(method: string, fault: Fault, times = 1): void {
    this.faults.push({ method, fault, times });
  }

  /** Removes the faults of a method (all of them without one). */
  heal(method?: string): void {
    for (let i = this.faults.length - 1; i >= 0; i--) if (!method || this.faults[i]!.method === method) this.faults.splice(i, 1);
  }

  requestsOf(method: string): (RpcRequest & { pid: number })[] {
    return this.requests.filter((r) => r.method === method);
  }

  /** Resolves once `cond` holds (checked on every request and connection change). */
  async until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
    if (cond()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${what}: not within ${ms} ms; requests: ${this.requests.map((r) => `${r.pid}:${r.method}`).join(", ")}`));
      }, ms);
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  private changed(): void {
    for (const w of [...this.waiters]) w();
  }

  private accept(socket: Socket): void {
    let child: Child | undefined;
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (child) child.alive = false;
      this.changed();
    });
    // readline re-emits its input's errors (a reset from a process that exited): ignored like the socket's.
    const lines = createInterface({ input: socket });
    lines.on("error", () => undefined);
    lines.on("line", (line) => {
      const msg = JSON.parse(line) as { hello?: { pid: number; args: string[] }; request?: RpcRequest; bye?: true };
      if (msg.hello) {
        child = { pid: msg.hello.pid, args: msg.hello.args, socket, subscriptions: new Map(), alive: true };
        this.children.push(child);
        if (this.denyDatabase) {
          const db = argAfter(child.args, "--db") ?? "/Users/you/Library/Messages/chat.db";
          this.send(child, {
            stderr: `Error: authorization denied (code: 23)\n\n⚠️  Permission Error: Cannot access Messages database\n\nThe Messages database at ${db} requires Full Disk Access permission.`,
            exit: 1,
          });
        }
        this.changed();
      } else if (msg.request && child) {
        void this.handle(child, msg.request);
      }
    });
  }

  private send(c: Child, cmd: object): void {
    if (c.alive) c.socket.write(`${JSON.stringify(cmd)}\n`);
  }

  private respond(c: Child, id: RpcRequest["id"], body: { result: unknown } | { error: { code: number; message: string } }): void {
    if (id !== undefined) this.send(c, { respond: { id, ...body } });
  }

  private async handle(c: Child, req: RpcRequest): Promise<void> {
    this.requests.push({ ...req, pid: c.pid });
    this.changed();
    const fault = this.faults.find((f) => f.method === req.method && f.times > 0);
    if (fault) {
      fault.times--;
      if (fault.fault.kind === "error") this.respond(c, req.id, { error: { code: fault.fault.code, message: fault.fault.message } });
      return;
    }
    const p = req.params ?? {};
    switch (req.method) {
      case "chats.list":
        return this.respond(c, req.id, {
          result: {
            chats: [...this.chats.values()].slice(0, Number(p["limit"] ?? 20)).map((ch) => ({
              id: ch.id,
              identifier: ch.identifier,
              guid: ch.guid,
              name: ch.name,
              service: ch.service,
              last_message_at: new Date().toISOString(),
              participants: ch.participants,
              is_group: ch.isGroup,
            })),
          },
        });
      case "watch.subscribe": {
        const sub = this.nextSub++;
        const s = { chatId: typeof p["chat_id"] === "number" ? p["chat_id"] : undefined, attachments: p["attachments"] === true };
        c.subscriptions.set(sub, s);
        this.respond(c, req.id, { result: { subscription: sub } });
        const since = typeof p["since_rowid"] === "number" ? p["since_rowid"] : undefined;
        if (since !== undefined) for (const row of this.rows) if (row.id > since) this.deliver(c, sub, s, row);
        return;
      }
      case "watch.unsubscribe":
        c.subscriptions.delete(Number(p["subscription"]));
        return this.respond(c, req.id, { result: { ok: true } });
      case "send":
        return this.respond(c, req.id, await this.sendMessage(p));
      default:
        return this.respond(c, req.id, { error: { code: -32601, message: `method not found: ${req.method}` } });
    }
  }

  private async sendMessage(p: Record<string, unknown>): Promise<{ result: unknown } | { error: { code: number; message: string } }> {
    const text = typeof p["text"] === "string" ? p["text"] : "";
    const file = typeof p["file"] === "string" && p["file"] !== "" ? p["file"] : undefined;
    const chatId = typeof p["chat_id"] === "number" ? p["chat_id"] : undefined;
    const to = typeof p["to"] === "string" && p["to"] !== "" ? p["to"] : undefined;
    const service = typeof p["service"] === "string" ? p["service"] : undefined;
    if ((chatId !== undefined) === (to !== undefined)) return { error: { code: -32602, message: "use to or chat_*; not both" } };
    if (!text && !file) return { error: { code: -32602, message: "text or file is required" } };
    if (service !== undefined && !["auto", "imessage", "sms"].includes(service)) return { error: { code: -32602, message: "invalid service" } };
    if (chatId !== undefined && !this.chats.has(chatId)) return { error: { code: -32602, message: `unknown chat_id ${chatId}` } };
    let fileBytes: Buffer | undefined;
    if (file) {
      fileBytes = (await readFile(file).catch(() => undefined)) ?? undefined;
      if (!fileBytes) return { error: { code: -32603, message: `AppleScript failed: file not found ${basename(file)}` } };
    }
    this.sent.push({ text, file, fileBytes, service, chatId, to });
    this.changed();
    return { result: { ok: true } };
  }

  private deliver(c: Child, sub: number, s: { chatId: number | undefined; attachments: boolean }, row: Row): void {
    if (s.chatId !== undefined && s.chatId !== row.chat_id) return;
    const chat = this.chats.get(row.chat_id)!;
    this.send(c, {
      notify: {
        method: "message",
        params: {
          subscription: sub,
          message: {
            ...row,
            attachments: s.attachments ? row.attachments : [],
            chat_identifier: chat.identifier,
            chat_guid: chat.guid,
            chat_name: chat.name,
            participants: chat.participants,
            ...(this.omitIsGroup ? {} : { is_group: chat.isGroup }),
          },
        },
      },
    });
  }
}

function argAfter(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}
