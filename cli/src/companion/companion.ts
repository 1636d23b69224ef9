import type { EventFrame } from "@clawdbot/protocol";
import type { GatewayClient } from "@clawdbot/protocol/client";
import type { MenuModel, PendingPairing, ServiceSummary, ShellMessage } from "@clawdbot/protocol/companion";
import type { DeviceIdentityDir } from "../identity-dir.js";
import { settingsUrl, type PermissionProbe } from "../permissions/probe.js";
import { parseAction, type Action } from "./actions.js";
import { fetchFacts, httpBase, toPending, type GatewayFacts } from "./facts.js";
import { GatewayLink, whenAborted, type LinkState } from "./link.js";
import { buildMenu } from "./menu.js";
import { NOTIFICATION, Notifier } from "./notifications.js";
import { runServiceAction, serviceSummary, type ServiceControl } from "./service.js";
import type { ShellLines } from "./stdio.js";

export interface CompanionOptions {
  url: string;
  token: string | undefined;
  password: string | undefined;
  tlsFingerprint: string | undefined;
  /** The companion's own device identity and tokens (`<stateDir>/companion/`). */
  identity: DeviceIdentityDir;
  service: ServiceControl;
  permissions: PermissionProbe;
  shell: ShellLines;
  version: string;
  platform: NodeJS.Platform;
  hostname: string;
  log: (message: string) => void;
  now?: () => number;
  /** How often channels, nodes, the service and permissions are asked again (they send no events). */
  pollMs?: number;
  /** Changes within this window go out as one `menu`. */
  debounceMs?: number;
  /** Runs `fn` once after `ms` and returns its cancel (default: setTimeout). */
  schedule?: Schedule;
}

/** A one-shot timer: runs `fn` after `ms`; the returned function cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void;

const timerSchedule: Schedule = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

/** Events after which the menu's facts are fetched again. */
const REFRESH_ON = new Set(["device.pair.requested", "device.pair.resolved", "node.pair.requested", "node.pair.resolved", "presence", "health"]);

/**
 * The menubar companion's core: keeps the menu model from the gateway, the service and the
 * permissions, sends it to the shell on every change, and carries out what the user clicks.
 */
export class Companion {
  private link: LinkState = { state: "unreachable", detail: "connecting…" };
  private facts: GatewayFacts | undefined;
  private client: GatewayClient | undefined;
  private service: ServiceSummary = { installed: false, loaded: false, running: false, state: "checking…" };
  private notice: string | undefined;
  private lastSent = "";
  /** Cancels the pending `menu`, while one is pending. */
  private menuTimer: (() => void) | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private readonly notifier = new Notifier();
  /** Requests seen in events or lists, by notification id: names for what the user decides. */
  private readonly requests = new Map<string, PendingPairing>();
  private readonly now: () => number;
  private readonly stop = new AbortController();
  private readonly gateway: GatewayLink;

  constructor(private readonly o: CompanionOptions) {
    this.now = o.now ?? Date.now;
    this.gateway = new GatewayLink({
      url: o.url,
      token: o.token,
      password: o.password,
      tlsFingerprint: o.tlsFingerprint,
      identity: o.identity,
      version: o.version,
      platform: o.platform,
      displayName: `Clawdbot menubar (${o.hostname})`,
      log: o.log,
      onState: (s) => this.setLink(s),
      onConnected: (client) => {
        this.client = client;
        this.refresh();
      },
      onDisconnected: () => {
        this.client = undefined;
        this.facts = undefined;
        this.changed();
      },
      onEvent: (ev) => this.onEvent(ev),
      onGap: () => this.refresh(),
    });
  }

  /** Runs until the user quits or the shell closes stdin; resolves with the exit code. */
  async run(): Promise<number> {
    const poll = setInterval(() => this.poll(), this.o.pollMs ?? 5000);
    const linked = this.gateway.run(this.stop.signal);
    this.poll();
    try {
      await Promise.race([this.o.shell.read((m) => this.onShell(m)), whenAborted(this.stop.signal)]);
    } finally {
      clearInterval(poll);
      this.menuTimer?.();
      this.stop.abort();
      await linked;
    }
    return 0;
  }

  /** The model as it stands now. */
  menu(): MenuModel {
    return buildMenu({
      gateway: { url: this.o.url, ...this.link },
      facts: this.link.state === "running" ? this.facts : undefined,
      service: this.service,
      permissions: { applicable: this.o.permissions.applicable, items: this.o.permissions.check() },
      notice: this.notice,
      now: this.now(),
    });
  }

  private onShell(m: ShellMessage): void {
    switch (m.type) {
      case "hello":
        this.o.log(`shell ${m.shellVersion} connected`);
        this.sendMenu(true);
        return;
      case "click": {
        const action = this.enabledItem(m.itemId) ? parseAction(m.itemId) : undefined;
        if (!action) return this.o.shell.send({ type: "error", code: "UNKNOWN_ITEM", message: `no enabled menu item "${m.itemId}"` });
        void this.perform(action);
        return;
      }
      case "notification-action": {
        const action = parseAction(`${m.id}#${m.action}`);
        if (!action) return this.o.shell.send({ type: "error", code: "UNKNOWN_ITEM", message: `no action "${m.action}" on notification "${m.id}"` });
        void this.perform(action);
      }
    }
  }

  private enabledItem(id: string): boolean {
    for (const s of this.menu().sections) {
      for (const item of s.items) {
        if (item.id === id && item.enabled) return true;
        if (item.children?.some((c) => c.id === id && c.enabled)) return true;
      }
    }
    return false;
  }

  private async perform(a: Action): Promise<void> {
    try {
      this.say(await this.execute(a));
    } catch (err) {
      const message = `${describeAction(a)} failed: ${(err as Error).message}`;
      this.o.log(message);
      this.o.shell.send({ type: "error", code: "ACTION_FAILED", message });
      this.say(message);
    }
  }

  /** Carries out one action; returns what to tell the user (undefined: nothing to say). */
  private async execute(a: Action): Promise<string | undefined> {
    const base = httpBase(this.o.url);
    switch (a.kind) {
      case "approve":
      case "reject":
        return this.decide(a.kind, a.request);
      case "service": {
        const said = await runServiceAction(this.o.service, a.action);
        this.gateway.wake();
        await this.pollService();
        return said;
      }
      case "open-control":
        return this.open(`${base}/control/`);
      case "open-webchat":
        return this.open(`${base}/`);
      case "whatsapp-link":
        return this.open(`${base}/control/#/channels/whatsapp/link`);
      case "open-settings":
        return this.open(settingsUrl(a.permission));
      case "copy-url":
        this.o.shell.send({ type: "clipboard", text: this.o.url });
        return "Gateway URL copied";
      case "quit":
        this.o.shell.send({ type: "quit" });
        this.stop.abort();
        return undefined;
    }
  }

  private async decide(decision: "approve" | "reject", req: Pick<PendingPairing, "kind" | "requestId">): Promise<string> {
    const client = this.client;
    if (!client) throw new Error(`the gateway is ${this.link.state.replace("-", " ")}`);
    const known = this.requests.get(NOTIFICATION.pairing(req));
    const name = known?.name ?? req.requestId;
    const method = `${req.kind === "node" ? "node" : "device"}.pair.${decision}` as const;
    await client.call(method, { requestId: req.requestId });
    this.refresh();
    if (decision === "reject") return `Rejected ${name}`;
    // The approval repeats what it granted, so a wrong click is noticed at once.
    const grants = req.kind === "node" ? `node commands ${known?.commands.join(", ") || "(none declared)"}` : (known?.scopes.length ? known.scopes : ["operator.read"]).join(", ");
    return `Approved ${name}: ${grants}`;
  }

  private open(url: string): undefined {
    this.o.shell.send({ type: "open-url", url });
    return undefined;
  }

  private onEvent(ev: EventFrame): void {
    if (ev.event === "device.pair.requested" || ev.event === "node.pair.requested") {
      // Notify from the event itself; the list fetched next will not notify it again.
      const p = toPending(ev.event, ev.payload);
      if (p) this.seen([p]);
    }
    if (REFRESH_ON.has(ev.event)) this.refresh();
  }

  /** Remembers pending requests and notifies the ones not seen before. */
  private seen(pending: readonly PendingPairing[]): void {
    for (const p of pending) this.requests.set(NOTIFICATION.pairing(p), p);
    for (const n of this.notifier.pairing(pending)) this.o.shell.send(n);
  }

  /** Fetches the gateway's facts; overlapping calls collapse into one more run. */
  private refresh(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = this.refreshOnce().finally(() => {
      this.refreshing = undefined;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        this.refresh();
      }
    });
  }

  private async refreshOnce(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      const facts = await fetchFacts(client, this.o.url, this.now());
      if (client !== this.client) return;
      this.facts = facts;
      this.seen(facts.pending);
      for (const n of this.notifier.channels(facts.channels)) this.o.shell.send(n);
      this.changed();
    } catch (err) {
      this.o.log(`refresh failed: ${(err as Error).message}`);
    }
  }

  private poll(): void {
    this.refresh();
    void this.pollService();
  }

  private async pollService(): Promise<void> {
    this.service = await serviceSummary(this.o.service);
    this.changed();
  }

  private setLink(s: LinkState): void {
    if (s.state !== this.link.state || s.detail !== this.link.detail) this.o.log(`gateway ${s.state}${s.detail ? `: ${s.detail}` : ""}`);
    this.link = s;
    this.changed();
  }

  private say(notice: string | undefined): void {
    if (notice === undefined) return;
    this.notice = notice;
    this.changed();
  }

  /** Something the menu shows may have changed: send it after the debounce window, if it did. */
  private changed(): void {
    if (this.menuTimer) return;
    this.menuTimer = (this.o.schedule ?? timerSchedule)(() => {
      this.menuTimer = undefined;
      this.sendMenu(false);
    }, this.o.debounceMs ?? 100);
  }

  private sendMenu(always: boolean): void {
    const menu = this.menu();
    const text = JSON.stringify(menu);
    if (!always && text === this.lastSent) return;
    this.lastSent = text;
    this.o.shell.send({ type: "menu", menu });
  }
}

function describeAction(a: Action): string {
  switch (a.kind) {
    case "approve":
    case "reject":
      return `${a.kind === "approve" ? "Approving" : "Rejecting"} ${a.request.kind} ${a.request.requestId}`;
    case "service":
      return `${a.action.charAt(0).toUpperCase()}${a.action.slice(1)} of the gateway service`;
    default:
      return a.kind;
  }
}
