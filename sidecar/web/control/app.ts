// The Control UI: the gateway's admin pages in one bundle, served at /control/. It connects only to
// the socket of the origin that served it, as its own device (clawdbot.control.* in localStorage).

import "../shared/theme.css";
import "../shared/chat/chat.css";
import "../shared/gate.css";
import "./style.css";
import { html, render } from "lit";
import type { ConnectionStatus, MethodName } from "@clawdbot/protocol/browser";
import { allows } from "@clawdbot/protocol/browser/allows";
import { cryptoAvailable, pageClient, pageStorage } from "../shared/page.js";
import { AccessStore, ACCESS_SCOPES, type AccessMode } from "./access.js";
import { messageOf, type Ctx, type DialogRequest, type Page } from "./context.js";
import { DialogHost } from "./dialog.js";
import { Notes } from "./notes.js";
import { parseRoute, type PageId, type Route } from "./router.js";
import { headerView, navView, type ShellState } from "./shell.js";
import { Gate, gateView } from "../shared/gate.js";
import { createPages } from "./pages/index.js";

const VERSION = "0.1.0";

class ControlApp implements Ctx {
  readonly client;
  private readonly gate: Gate;
  private route: Route = parseRoute(location.hash);
  private everConnected = false;
  private readonly pages: Map<PageId, Page>;
  private readonly notes = new Notes(() => this.update());
  private readonly dialogs = new DialogHost(() => this.update());
  private scheduled = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly access: AccessStore,
  ) {
    this.gate = new Gate(access);
    this.client = pageClient({
      identityPrefix: "clawdbot.control",
      storage: pageStorage(),
      client: { id: "clawdbot-control-ui", version: VERSION, platform: navigator.platform || "web", mode: "ui" },
      role: "operator",
      scopes: ACCESS_SCOPES[access.mode()],
      pageName: "The Control UI",
      secret: this.gate.secret,
      onStatus: (s) => this.onStatus(s),
      onHello: () => this.onHello(),
    });
    this.pages = createPages(this);
    window.addEventListener("hashchange", () => this.onRoute());
    window.addEventListener("online", () => this.client.reconnectNow());
  }

  start(): void {
    this.update();
    if (!cryptoAvailable()) {
      this.onStatus({ state: "disconnected", message: "This browser cannot make a device key (no crypto.getRandomValues). Use a current browser." });
      return;
    }
    this.client.start();
  }

  // ---- Ctx ----

  can(method: MethodName): boolean {
    return this.client.connected && allows(this.client.scopes, method);
  }

  update(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      render(this.view(), this.root);
    });
  }

  note(message: string, kind: "ok" | "error" = "ok"): void {
    this.notes.add(message, kind);
  }

  async act<T>(what: string, fn: () => Promise<T>, done?: string): Promise<T | undefined> {
    try {
      const result = await fn();
      if (done) this.note(done);
      return result;
    } catch (err) {
      this.note(`${what}: ${messageOf(err)}`, "error");
      return undefined;
    } finally {
      this.update();
    }
  }

  dialog<T = true>(req: DialogRequest<T>): Promise<T | null> {
    return this.dialogs.ask(req);
  }

  now(): number {
    return Date.now();
  }

  // ---- connection and routing ----

  private onStatus(s: ConnectionStatus): void {
    this.gate.onStatus(s);
    this.update();
  }

  private onHello(): void {
    this.everConnected = true;
    void this.current().refresh(this.route);
    this.update();
  }

  private onRoute(): void {
    const next = parseRoute(location.hash);
    if (next.page !== this.route.page) this.current().leave?.();
    this.route = next;
    if (this.client.connected) void this.current().refresh(next);
    this.update();
    document.getElementById("main")?.focus({ preventScroll: true });
  }

  private current(): Page {
    return this.pages.get(this.route.page) ?? this.pages.get("overview")!;
  }

  private shellState(): ShellState {
    const page = this.current();
    return {
      ...this.gate.state(this.client.deviceId),
      page: page.id,
      title: page.title,
      nav: [...this.pages.values()].map((p) => ({ id: p.id, title: p.title })),
      access: this.access.mode(),
      scopes: this.client.connected ? this.client.scopes : [],
    };
  }

  private readonly actions = {
    setAccess: (mode: AccessMode) => {
      if (mode === this.access.mode()) return;
      this.access.setMode(mode);
      // The scopes a connection asks for are fixed at its connect: start over with the new ones.
      location.reload();
    },
    submitSecret: (kind: "token" | "password", value: string) => {
      this.access.saveSecret(kind, value);
      this.client.reconnectNow();
      this.update();
    },
    forgetSecret: () => {
      this.access.forgetSecret();
      this.note("The gateway token is no longer kept in this browser.");
    },
  };

  private view() {
    const st = this.shellState();
    const gate = gateView(st, this.actions);
    const page = this.current();
    const body = gate ?? (this.everConnected ? page.view(this.route) : html`<p class="muted" id="connecting">${st.status.message ?? "Connecting to the gateway…"}</p>`);
    return html`<div class="shell">
      ${headerView(st)}
      ${navView(st, this.actions)}
      <main id="main" class="content" tabindex="-1" aria-labelledby="page-title">
        <h1 id="page-title">${gate ? "Connect" : page.title}</h1>
        ${this.everConnected && !gate && st.status.state !== "connected"
          ? html`<p class="banner" role="status">Not connected to the gateway: what you see may be out of date.</p>`
          : ""}
        ${body}
      </main>
      ${this.notes.view()} ${this.dialogs.view()}
    </div>`;
  }
}

const root = document.getElementById("app");
if (root) new ControlApp(root, new AccessStore(pageStorage(), location.origin)).start();
