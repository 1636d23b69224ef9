// Channels: each channel and account — connected, last messages in and out, last error, queued
// messages, and why messages were dropped; logout; channel pairing codes waiting for approval.
// `#/channels/<channel>/link[/<account>]` is the WhatsApp link flow (whatsapp-link.ts).

import { html, nothing, type TemplateResult } from "lit";
import type { Result } from "@clawdbot/protocol/browser";
import type { Ctx, Page } from "../context.js";
import { ago, when } from "../format.js";
import { routeHash, type Route } from "../router.js";
import { card, loadState } from "../ui.js";
import { LiveData } from "./live.js";
import { WhatsAppLink } from "./whatsapp-link.js";

type Status = Result<"channels.status">;
type Account = Status["channelAccounts"][string][number];
type ChannelPairings = Result<"channels.pairing.list">;

/** How often the page asks again while it is shown (drop counters change without events). */
const POLL_MS = 5000;

const DROP_TEXT: Record<string, string> = {
  not_allowed: "from senders not allowed",
  group_not_allowed: "from groups not allowed",
  no_mention: "in groups without a mention",
  history: "old messages replayed on reconnect",
  duplicate: "duplicates",
  own_message: "sent by this account itself",
  broadcast: "broadcasts and status updates",
};

export class ChannelsPage implements Page {
  readonly id = "channels";
  readonly title = "Channels";
  private status: Status | undefined;
  private pairings: ChannelPairings | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;
  private probing = false;
  private readonly live: LiveData;
  private readonly link: WhatsAppLink;

  constructor(private readonly ctx: Ctx) {
    this.live = new LiveData(ctx, () => this.load(false), ["health"]);
    this.link = new WhatsAppLink(ctx);
  }

  async refresh(route: Route): Promise<void> {
    if (route.rest[1] === "link") {
      this.live.hide();
      clearInterval(this.poll);
      return this.link.open(route.rest[0] ?? "whatsapp", route.rest[2]);
    }
    this.link.close();
    clearInterval(this.poll);
    this.poll = setInterval(() => this.live.changed(), POLL_MS);
    await this.live.show();
  }

  leave(): void {
    clearInterval(this.poll);
    this.live.hide();
    this.link.close();
  }

  private async load(probe: boolean): Promise<void> {
    const c = this.ctx.client;
    const [status, pairings] = await Promise.all([
      c.call("channels.status", probe ? { probe: true, timeoutMs: 8000 } : {}, probe ? 15_000 : undefined),
      this.ctx.can("channels.pairing.list") ? c.call("channels.pairing.list", {}) : undefined,
    ]);
    this.status = status;
    this.pairings = pairings;
  }

  view(route: Route): TemplateResult {
    if (route.rest[1] === "link") return this.link.view();
    const st = this.status;
    return html`${loadState(this.live, "the channels")}
      <div class="toolbar">
        <button type="button" class="button secondary" ?disabled=${this.probing} @click=${() => this.probe()}>${this.probing ? "Checking…" : "Check now"}</button>
      </div>
      ${st && st.channelOrder.length === 0
        ? html`<p class="muted">No channel is configured. Add one under <code>channels</code> in clawdbot.json${this.ctx.can("config.get") ? html` (see <a href=${routeHash("config")}>Config</a>)` : nothing}.</p>`
        : nothing}
      ${st ? st.channelOrder.map((id) => this.channelView(st, id)) : nothing}
      ${this.pairingsView()}`;
  }

  private channelView(st: Status, channel: string): TemplateResult {
    const label = st.channelLabels[channel] ?? channel;
    const accounts = st.channelAccounts[channel] ?? [];
    return card(`ch-${channel}`, label, html`<div class="list">${accounts.map((a) => this.accountView(channel, label, a, accounts.length > 1))}</div>`);
  }

  private accountView(channel: string, label: string, a: Account, several: boolean): TemplateResult {
    const id = `acc-${channel}-${a.accountId}`;
    const now = this.ctx.now();
    const drops = Object.entries(a.dropped).filter(([, n]) => typeof n === "number" && n > 0);
    const name = `${label}${several || a.accountId !== "default" ? ` ${a.accountId}` : ""}`;
    const state = !a.configured ? "not configured" : a.connected ? "connected" : a.running ? "connecting" : "stopped";
    return html`<article class="item" aria-labelledby=${id} data-channel=${channel} data-account=${a.accountId}>
      <h3 id=${id}>${name} ${a.name ? html`<span class="muted small">${a.name}</span>` : nothing}
        <span class="pill" data-ok=${String(a.connected)}>${state}</span></h3>
      <dl class="facts">
        ${a.linked !== undefined ? html`<dt>Linked</dt><dd>${a.linked ? "yes" : "no"}</dd>` : nothing}
        <dt>Last inbound</dt><dd title=${when(a.lastInboundAt)}>${ago(a.lastInboundAt, now)}</dd>
        <dt>Last outbound</dt><dd title=${when(a.lastOutboundAt)}>${ago(a.lastOutboundAt, now)}</dd>
        <dt>Queued</dt><dd>${a.queued}</dd>
        <dt>Last error</dt><dd class=${a.lastError ? "error" : ""}>${a.lastError ?? "none"}</dd>
        <dt>Dropped</dt><dd>${drops.length === 0
          ? html`<span class="muted">nothing</span>`
          : html`<ul class="plain drops" aria-label=${`Dropped messages of ${name}`}>${drops.map(([reason, n]) => html`<li data-reason=${reason}>${n} ${DROP_TEXT[reason] ?? reason}</li>`)}</ul>`}</dd>
      </dl>
      <div class="actions">
        ${a.linked !== undefined && this.ctx.can("web.login.start")
          ? html`<a class="button secondary" href=${routeHash("channels", channel, "link", a.accountId)}>${a.linked ? `Link ${label} again` : `Link ${label}`}</a>`
          : nothing}
        ${a.configured && this.ctx.can("channels.logout")
          ? html`<button type="button" class="button danger" @click=${() => this.logout(channel, name, a.accountId)}>Log out ${name}</button>`
          : nothing}
      </div>
    </article>`;
  }

  private pairingsView(): TemplateResult | typeof nothing {
    const p = this.pairings;
    if (!p) return nothing;
    return card(
      "ch-pairing",
      `Senders waiting for approval (${p.pending.length})`,
      p.pending.length === 0
        ? html`<p class="muted">No sender is waiting. Unknown senders get a code when a channel's <code>dmPolicy</code> is <code>pairing</code>.</p>`
        : html`<div class="list">${p.pending.map(
            (r) => html`<article class="item" aria-labelledby=${`cp-${r.channel}-${r.code}`}>
              <h3 id=${`cp-${r.channel}-${r.code}`}>${r.senderName ?? r.senderId} <span class="muted small">on ${r.channel}</span></h3>
              <dl class="facts"><dt>Code</dt><dd><code>${r.code}</code></dd><dt>Sender</dt><dd><code>${r.senderId}</code></dd><dt>Asked</dt><dd>${ago(r.ts, this.ctx.now())}</dd></dl>
              ${this.ctx.can("channels.pairing.approve")
                ? html`<div class="actions">
                    <button type="button" class="button primary" @click=${() => this.answer("approve", r.channel, r.code)}>Approve</button>
                    <button type="button" class="button secondary" @click=${() => this.answer("reject", r.channel, r.code)}>Reject</button>
                  </div>`
                : nothing}
            </article>`,
          )}</div>`,
    );
  }

  private async probe(): Promise<void> {
    this.probing = true;
    this.ctx.update();
    await this.ctx.act("Could not check the channels", () => this.load(true));
    this.probing = false;
    this.ctx.update();
  }

  private async logout(channel: string, name: string, accountId: string): Promise<void> {
    const ok = await this.ctx.dialog({
      title: `Log out ${name}?`,
      confirmLabel: "Log out",
      danger: true,
      body: html`<p>The channel stops and its stored credentials are deleted. ${channel === "whatsapp" ? "Linking again needs the phone." : ""}</p>`,
    });
    if (!ok) return;
    await this.ctx.act(`Could not log out ${name}`, () => this.ctx.client.call("channels.logout", { channel, accountId }), `${name} logged out.`);
    await this.live.reload();
  }

  private async answer(kind: "approve" | "reject", channel: string, code: string): Promise<void> {
    const method = kind === "approve" ? "channels.pairing.approve" : "channels.pairing.reject";
    await this.ctx.act(`Could not ${kind} ${code}`, () => this.ctx.client.call(method, { channel, code }), kind === "approve" ? "Sender approved." : "Code rejected.");
    await this.live.reload();
  }
}
