import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { rm } from "node:fs/promises";
import type { Logger } from "pino";
import { Type } from "@sinclair/typebox";
import { check } from "@clawdbot/protocol";
import { readJsonFile, writeJsonFile } from "../../store/json-file.js";
import { PidFile } from "../../supervise/pid-file.js";
import type { ProcessTable } from "../../supervise/process-table.js";
import { ProgramStartError, Supervisor } from "../../supervise/supervisor.js";
import { RpcError, RpcTransportError } from "../../transport/json-rpc.js";
import { LineRpcClient } from "../../transport/line-rpc.js";
import { ChannelSendError, ChannelStartError, type AdapterEvents, type ChannelAdapter, type ChannelRuntimeStatus, type InboundMessage, type OutboundPart, type ProbeResult } from "../types.js";
import { DEFAULT_IMSG, type IMessageConfig } from "./config.js";
import { mentionRegExp } from "../group-config.js";
import { attachmentRef, classifyRow, ErrorNotificationSchema, MessageNotificationSchema } from "./message.js";
import { explainDatabaseDenied, looksLikeDatabaseDenied } from "./permissions.js";
import type { PermissionProbeDeps } from "../../platform/mac-permissions.js";

export interface IMessageDeps {
  config: IMessageConfig;
  stateDir: string;
  log: Logger;
  now: () => number;
  events: AdapterEvents;
  table: ProcessTable;
  platform: NodeJS.Platform;
  /** The program that runs the gateway (the one macOS must grant Full Disk Access to). */
  execPath: string;
  /** Loads node-mac-permissions (the real optional module when absent). */
  permissions?: PermissionProbeDeps["load"];
}

const StateSchema = Type.Object({ lastRowId: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
const Subscribed = Type.Object({ subscription: Type.Integer() });

/**
 * iMessage through `imsg rpc`: JSON-RPC 2.0 over the child's stdin/stdout, supervised (restarted
 * with backoff when it dies). Messages come as `message` notifications of a `watch.subscribe`; the
 * last row seen is kept on disk and the subscription after a restart starts from it
 * (`since_rowid`), so nothing that arrived meanwhile is lost.
 */
export class IMessageAdapter implements ChannelAdapter {
  readonly name = "imessage";
  readonly textLimit = 4000;
  private supervisor: Supervisor | undefined;
  private rpc: LineRpcClient | undefined;
  private subscription: number | undefined;
  private lastRowId: number | undefined;
  private startError: string | null = null;
  private lastInboundAt: number | null = null;
  private lastOutboundAt: number | null = null;
  private onInbound: ((msg: InboundMessage) => void) | undefined;
  private queue: Promise<void> = Promise.resolve();
  private sentSeq = 0;
  private readonly mentionPatterns: RegExp[];

  constructor(private readonly deps: IMessageDeps) {
    this.mentionPatterns = deps.config.mentionPatterns.map(mentionRegExp);
  }

  private get statePath(): string {
    return join(this.deps.stateDir, "channels", "imessage", this.deps.config.accountId, "state.json");
  }

  async start(signal: AbortSignal, onInbound: (msg: InboundMessage) => void): Promise<void> {
    await this.stop();
    const { config, platform, log } = this.deps;
    if (platform !== "darwin" && config.cliPath === DEFAULT_IMSG) {
      this.startError = `iMessage needs macOS: imsg reads this Mac's Messages database, and this host runs ${platform}. Set channels.imessage.cliPath to a wrapper that runs imsg on a Mac (e.g. over SSH).`;
      throw new ChannelStartError(this.startError, false);
    }
    if (config.groupsEnabled && config.requireMention && config.mentionPatterns.length === 0) {
      log.warn("iMessage groups need a mention but no mentionPatterns are set: every group message will be dropped (no_mention)");
    }
    this.onInbound = onInbound;
    this.lastRowId = (await readJsonFile(this.statePath, StateSchema, { lastRowId: 0 })).lastRowId || undefined;
    const supervisor = this.makeSupervisor();
    this.supervisor = supervisor;
    try {
      await supervisor.start();
      if (signal.aborted) return;
      this.startError = null;
      log.info({ cliPath: config.cliPath, pid: supervisor.status().pid }, "imessage receiving");
    } catch (err) {
      this.startError = await this.explain(err);
      await this.stop();
      throw new ChannelStartError(this.startError, true);
    }
  }

  async stop(): Promise<void> {
    const supervisor = this.supervisor;
    this.supervisor = undefined;
    const rpc = this.rpc;
    if (rpc && this.subscription !== undefined) {
      await rpc.request("watch.unsubscribe", { subscription: this.subscription }, { timeoutMs: 2000 }).catch(() => undefined);
    }
    this.subscription = undefined;
    await supervisor?.stop();
    rpc?.close("the channel stopped");
    this.rpc = undefined;
    await this.queue;
  }

  status(): ChannelRuntimeStatus {
    const program = this.supervisor?.status();
    return {
      connected: program?.state === "running" && this.subscription !== undefined,
      lastError: this.startError ?? program?.lastError ?? null,
      lastInboundAt: this.lastInboundAt,
      lastPollAt: null,
      lastOutboundAt: this.lastOutboundAt,
      ...(program ? { program } : {}),
    };
  }

  async send(part: OutboundPart): Promise<{ providerMessageId: string }> {
    const rpc = this.rpc;
    if (!rpc || this.supervisor?.state !== "running") throw new ChannelSendError("imsg is not running", true);
    const { config } = this.deps;
    const params: Record<string, unknown> = { service: config.service, ...(config.region ? { region: config.region } : {}) };
    if (part.chatId.startsWith("chat:")) params["chat_id"] = Number(part.chatId.slice(5));
    else params["to"] = part.chatId;
    if (part.text) params["text"] = part.text;
    if (part.media) {
      if (!part.media.path) throw new ChannelSendError("iMessage sends files from a local path", false);
      params["file"] = part.media.path;
    }
    try {
      await rpc.request("send", params, { timeoutMs: 60_000 });
    } catch (err) {
      if (err instanceof RpcError) throw new ChannelSendError(err.message, err.code !== -32602 && err.code !== -32601);
      throw new ChannelSendError((err as Error).message, true);
    }
    this.lastOutboundAt = this.deps.now();
    // imsg answers {ok: true} without an id of the sent row.
    return { providerMessageId: `sent:${this.deps.now()}:${++this.sentSeq}` };
  }

  /** imsg has no typing indicator. */
  async typing(): Promise<void> {}

  async probe(timeoutMs: number): Promise<ProbeResult> {
    const started = Date.now();
    if (!this.rpc) return { ok: false, error: this.startError ?? "imsg is not running", elapsedMs: 0 };
    try {
      const res = (await this.rpc.request("chats.list", { limit: 1 }, { timeoutMs })) as { chats?: unknown[] };
      return { ok: true, elapsedMs: Date.now() - started, chats: Array.isArray(res.chats) ? res.chats.length : 0 };
    } catch (err) {
      return { ok: false, error: (err as Error).message, elapsedMs: Date.now() - started };
    }
  }

  async logout(): Promise<void> {
    await this.stop();
    await rm(join(this.deps.stateDir, "channels", "imessage", this.deps.config.accountId), { recursive: true, force: true });
  }

  private makeSupervisor(): Supervisor {
    const { config, log, table, stateDir, now } = this.deps;
    const args = ["rpc", ...(config.dbPath ? ["--db", config.dbPath] : [])];
    return new Supervisor({
      program: { name: "imsg", command: config.cliPath, args, stdio: "pipe" },
      hooks: {
        attach: (child) => this.attach(child),
        // chats.list is the probe: it answers only once the database opened.
        ready: async () => void (await this.rpc!.request("chats.list", { limit: 1 }, { timeoutMs: config.startupTimeoutMs })),
        onReady: () => this.subscribe(),
        onExit: () => {
          this.subscription = undefined;
        },
      },
      pidFile: new PidFile(join(stateDir, "channels", "imessage", config.accountId, "imsg.pid"), table, log),
      table,
      log,
      readyTimeoutMs: config.startupTimeoutMs,
      restartBackoff: { initialMs: 500, maxMs: 60_000 },
      now,
    });
  }

  private attach(child: ChildProcess): void {
    this.rpc?.close("imsg restarted");
    this.rpc = new LineRpcClient(child.stdout!, child.stdin!, {
      log: this.deps.log,
      defaultTimeoutMs: 30_000,
      onNotification: (method, params) => this.onNotification(method, params),
    });
  }

  /** Subscribes on every (re)start, from the last row seen so nothing in between is missed. */
  private async subscribe(): Promise<void> {
    const rpc = this.rpc!;
    try {
      const res = check(Subscribed, await rpc.request("watch.subscribe", { attachments: this.deps.config.includeAttachments, ...(this.lastRowId !== undefined ? { since_rowid: this.lastRowId } : {}) }));
      if (!res.ok) throw new Error("watch.subscribe answered without a subscription id");
      this.subscription = res.value.subscription;
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, "imsg watch.subscribe failed; restarting imsg");
      this.supervisor?.current?.kill("SIGTERM");
    }
  }

  private onNotification(method: string, params: unknown): void {
    if (method === "error") {
      const e = check(ErrorNotificationSchema, params);
      const message = e.ok ? e.value.error.message : "unreadable error notification";
      this.deps.log.warn({ err: message }, "imsg reported a watch error");
      this.startError = `imsg: ${message}`;
      return;
    }
    if (method !== "message") return;
    const n = check(MessageNotificationSchema, params);
    if (!n.ok) {
      this.deps.log.warn("imsg sent a message notification of an unexpected shape; ignored");
      return;
    }
    const row = n.value.message;
    this.queue = this.queue.then(() => this.handle(row)).catch((err: unknown) => this.deps.log.error({ err }, "imessage message handling failed"));
  }

  private async handle(row: Parameters<typeof classifyRow>[0]): Promise<void> {
    if (this.lastRowId !== undefined && row.id <= this.lastRowId) return;
    const { config, events } = this.deps;
    const c = classifyRow(row, { accountId: config.accountId, mentionPatterns: this.mentionPatterns });
    if (c.kind === "drop") events.dropped(c.reason);
    else if (c.kind === "message") {
      if (config.deniedGroups.includes(c.msg.chatId)) events.dropped("group_not_allowed");
      else {
        c.msg.media = config.includeAttachments ? await Promise.all(c.attachments.map((a) => attachmentRef(a, config.mediaMaxBytes))) : [];
        this.lastInboundAt = this.deps.now();
        this.onInbound?.(c.msg);
      }
    }
    this.lastRowId = row.id;
    this.startError = null;
    await writeJsonFile(this.statePath, { lastRowId: row.id });
  }

  /** Why imsg did not start, in words the user can act on. */
  private async explain(err: unknown): Promise<string> {
    const tail = this.supervisor?.stderrTail() ?? [];
    const message = err instanceof ProgramStartError || err instanceof RpcTransportError || err instanceof RpcError ? err.message : String((err as Error)?.message ?? err);
    if (!looksLikeDatabaseDenied([message, ...tail])) return message;
    return explainDatabaseDenied({
      platform: this.deps.platform,
      execPath: this.deps.execPath,
      remote: this.deps.config.cliPath !== DEFAULT_IMSG,
      dbPath: this.deps.config.dbPath,
      ...(this.deps.permissions ? { probe: this.deps.permissions } : {}),
    });
  }
}
