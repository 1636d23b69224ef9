// Linking WhatsApp: the QR code from web.login.start, replaced by every web.login.qr rotation,
// or a pairing code for a phone number; web.login.wait says when the phone has linked.

import { html, nothing, type TemplateResult } from "lit";
import type { EventPayload, Result } from "@clawdbot/protocol/browser";
import type { Ctx } from "../context.js";
import { messageOf } from "../context.js";
import { routeHash } from "../router.js";

type Phase = "idle" | "starting" | "showing" | "linked" | "ended";

/** How long one web.login.wait asks the gateway to wait; the page asks again while the code lives. */
const WAIT_MS = 120_000;
/** web.login.wait's answer when only the wait ran out (the code is still live): wait again. */
const WAIT_TIMED_OUT = /^not linked yet/;

export class WhatsAppLink {
  private channel = "whatsapp";
  private accountId: string | undefined;
  private phase: Phase = "idle";
  private qrDataUrl: string | undefined;
  private pairingCode: string | undefined;
  private message = "";
  private rotations = 0;
  /** Bumped on every open/close, so answers for an earlier visit are ignored. */
  private visit = 0;

  constructor(private readonly ctx: Ctx) {
    ctx.client.on("web.login.qr", (ev) => this.onCode(ev));
  }

  /** The link route was opened: start linking straight away (that is what the person came for). */
  async open(channel: string, accountId: string | undefined): Promise<void> {
    const same = channel === this.channel && accountId === this.accountId && this.phase !== "idle";
    this.channel = channel;
    this.accountId = accountId;
    if (same) return;
    this.reset();
    if (this.ctx.can("web.login.start")) await this.start({});
  }

  close(): void {
    this.visit++;
    this.reset();
  }

  private reset(): void {
    this.phase = "idle";
    this.qrDataUrl = undefined;
    this.pairingCode = undefined;
    this.message = "";
    this.rotations = 0;
  }

  private async start(opts: { force?: boolean; phone?: string }): Promise<void> {
    const visit = ++this.visit;
    this.reset();
    this.phase = "starting";
    this.ctx.update();
    let res: Result<"web.login.start">;
    try {
      const params = { ...(this.accountId ? { accountId: this.accountId } : {}), ...opts, timeoutMs: 30_000 };
      res = await this.ctx.client.call("web.login.start", params, 45_000);
    } catch (err) {
      if (visit !== this.visit) return;
      this.phase = "ended";
      this.message = messageOf(err);
      this.ctx.update();
      return;
    }
    if (visit !== this.visit) return;
    this.message = res.message;
    this.qrDataUrl = res.qrDataUrl;
    this.pairingCode = res.pairingCode;
    this.phase = res.qrDataUrl || res.pairingCode ? "showing" : "ended";
    this.ctx.update();
    if (this.phase === "showing") await this.waitForLink(visit);
  }

  private async waitForLink(visit: number): Promise<void> {
    while (visit === this.visit && this.phase === "showing") {
      let res: Result<"web.login.wait">;
      try {
        res = await this.ctx.client.call("web.login.wait", { ...(this.accountId ? { accountId: this.accountId } : {}), timeoutMs: WAIT_MS }, WAIT_MS + 15_000);
      } catch (err) {
        if (visit !== this.visit) return;
        this.phase = "ended";
        this.message = `Stopped waiting: ${messageOf(err)}`;
        this.ctx.update();
        return;
      }
      if (visit !== this.visit) return;
      if (res.connected) {
        this.phase = "linked";
        this.message = res.message;
      } else if (!WAIT_TIMED_OUT.test(res.message)) {
        this.phase = "ended";
        this.message = res.message;
      }
      this.ctx.update();
    }
  }

  private onCode(ev: EventPayload<"web.login.qr">): void {
    if (this.phase !== "showing" || ev.channel !== this.channel) return;
    if (this.accountId !== undefined && ev.accountId !== this.accountId) return;
    this.qrDataUrl = ev.qrDataUrl;
    this.pairingCode = ev.pairingCode;
    this.message = ev.message;
    this.rotations++;
    this.ctx.update();
  }

  view(): TemplateResult {
    const canLink = this.ctx.can("web.login.start");
    return html`<p><a href=${routeHash("channels")}>← All channels</a></p>
      <section class="card link" aria-labelledby="link-title">
        <h2 id="link-title">Link WhatsApp${this.accountId ? ` (${this.accountId})` : ""}</h2>
        ${canLink ? this.body() : html`<p class="muted">Linking needs the <code>operator.admin</code> scope; this connection does not hold it.</p>`}
      </section>`;
  }

  private body(): TemplateResult {
    const state = { idle: "Not started", starting: "Asking WhatsApp for a code…", showing: "Waiting for the phone", linked: "Linked", ended: "Not linked" }[this.phase];
    return html`<p id="link-state" class="pill" role="status" data-ok=${String(this.phase === "linked")}>${state}</p>
      ${this.message ? html`<p id="link-message">${this.message}</p>` : nothing}
      ${this.phase === "showing" && this.qrDataUrl
        ? html`<img class="qr" src=${this.qrDataUrl} alt="WhatsApp QR code" width="264" height="264" data-rotation=${this.rotations}>`
        : nothing}
      ${this.phase === "showing" && this.pairingCode ? html`<p class="pairing-code">Pairing code: <code id="pairing-code">${this.pairingCode}</code></p>` : nothing}
      ${this.phase === "linked"
        ? html`<p><a class="button primary" href=${routeHash("channels")}>Back to channels</a></p>`
        : html`<div class="actions">
            <button type="button" class="button secondary" @click=${() => void this.start({ force: true })}>New QR code</button>
          </div>
          <form class="inline-form" @submit=${(e: SubmitEvent) => this.withPhone(e)}>
            <label class="field">Phone number (link with a code instead)
              <input type="tel" name="phone" inputmode="tel" autocomplete="off" placeholder="+15551234567" pattern="\\+?[1-9][0-9]{6,15}" required>
            </label>
            <button type="submit" class="button secondary">Get pairing code</button>
          </form>`}`;
  }

  private withPhone(e: SubmitEvent): void {
    e.preventDefault();
    const phone = String(new FormData(e.target as HTMLFormElement).get("phone") ?? "").trim();
    if (phone) void this.start({ phone, force: true });
  }
}
