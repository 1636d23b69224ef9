// Devices: pairing requests waiting for an answer (approve / reject, with a confirmation that
// repeats what the device asks for) and paired devices with their tokens (rotate, narrowing the
// scopes if wanted, or revoke).

import { html, nothing, type TemplateResult } from "lit";
import type { Result } from "@clawdbot/protocol/browser";
import type { Ctx, Page } from "../context.js";
import { ago, fingerprint, when } from "../format.js";
import { card, chips, loadState } from "../ui.js";
import { LiveData } from "./live.js";

type PairList = Result<"device.pair.list">;
type Pending = PairList["pending"][number];
type Paired = PairList["paired"][number];
type TokenInfo = Paired["tokens"][number];

const OPERATOR_SCOPES = ["operator.read", "operator.write", "operator.admin", "operator.approvals", "operator.pairing"];

export class DevicesPage implements Page {
  readonly id = "devices";
  readonly title = "Devices";
  private list: PairList | undefined;
  /** A token just minted by a rotation, shown once. */
  private minted: { deviceId: string; role: string; token: string } | undefined;
  private readonly live: LiveData;

  constructor(private readonly ctx: Ctx) {
    this.live = new LiveData(ctx, () => this.load(), ["device.pair.requested", "device.pair.resolved", "presence"]);
  }

  refresh(): Promise<void> {
    return this.live.show();
  }

  leave(): void {
    this.live.hide();
    this.minted = undefined;
  }

  private async load(): Promise<void> {
    if (!this.ctx.can("device.pair.list")) {
      this.list = undefined;
      return;
    }
    this.list = await this.ctx.client.call("device.pair.list");
  }

  view(): TemplateResult {
    if (!this.ctx.can("device.pair.list")) {
      return html`<p class="muted">Devices need the <code>operator.pairing</code> scope; this connection does not hold it.</p>`;
    }
    const l = this.list;
    return html`${loadState(this.live, "devices")}
      ${l
        ? html`${card("pending-title", `Pending requests (${l.pending.length})`, l.pending.length === 0 ? html`<p class="muted">No device is waiting.</p>` : html`<div class="list">${l.pending.map((p) => this.pendingView(p))}</div>`)}
          ${this.mintedView()}
          ${card("paired-title", `Paired devices (${l.paired.length})`, l.paired.length === 0 ? html`<p class="muted">No device is paired yet.</p>` : html`<div class="list">${l.paired.map((d) => this.pairedView(d))}</div>`)}`
        : nothing}`;
  }

  private pendingView(p: Pending): TemplateResult {
    const id = `req-${p.requestId}`;
    return html`<article class="item" aria-labelledby=${id} data-request=${p.requestId}>
      <h3 id=${id}>${p.displayName ?? p.clientId ?? "Unnamed device"} <span class="muted small">${p.isRepair ? "asks for more access" : "new device"}</span></h3>
      <dl class="facts">
        <dt>Device</dt><dd><code>${fingerprint(p.deviceId)}</code></dd>
        <dt>Client</dt><dd>${p.clientId ?? "?"} (${p.clientMode ?? "?"})</dd>
        <dt>Platform</dt><dd>${p.platform ?? "?"}</dd>
        <dt>Address</dt><dd>${p.remoteIp ?? "?"}</dd>
        <dt>Role</dt><dd>${p.role ?? "operator"}</dd>
        <dt>Scopes</dt><dd>${chips(p.scopes)}</dd>
        <dt>Asked</dt><dd title=${when(p.ts)}>${ago(p.ts, this.ctx.now())}</dd>
        <dt>Request</dt><dd><code>${p.requestId}</code></dd>
      </dl>
      ${this.ctx.can("device.pair.approve")
        ? html`<div class="actions">
            <button type="button" class="button primary" @click=${() => this.approve(p)}>Approve</button>
            <button type="button" class="button secondary" @click=${() => this.reject(p)}>Reject</button>
          </div>`
        : nothing}
    </article>`;
  }

  private pairedView(d: Paired): TemplateResult {
    const id = `dev-${d.deviceId}`;
    return html`<article class="item" aria-labelledby=${id} data-device=${d.deviceId}>
      <h3 id=${id}>${d.displayName ?? d.clientId ?? "Unnamed device"} <code class="small">${fingerprint(d.deviceId)}</code></h3>
      <dl class="facts">
        <dt>Client</dt><dd>${d.clientId ?? "?"} (${d.clientMode ?? "?"})</dd>
        <dt>Platform</dt><dd>${d.platform ?? "?"}</dd>
        <dt>Roles</dt><dd>${chips(d.roles)}</dd>
        <dt>Scopes</dt><dd>${chips(d.scopes)}</dd>
        <dt>Approved</dt><dd title=${when(d.approvedAtMs)}>${ago(d.approvedAtMs, this.ctx.now())}</dd>
        <dt>Last seen</dt><dd title=${when(d.lastSeenAtMs)}>${ago(d.lastSeenAtMs, this.ctx.now())}${d.remoteIp ? ` from ${d.remoteIp}` : ""}</dd>
      </dl>
      <ul class="plain tokens" aria-label="Tokens">
        ${d.tokens.map((t) => this.tokenView(d, t))}
      </ul>
    </article>`;
  }

  private tokenView(d: Paired, t: TokenInfo): TemplateResult {
    const revoked = t.revokedAtMs !== undefined;
    const name = d.displayName ?? d.clientId ?? fingerprint(d.deviceId);
    return html`<li class="token" data-role=${t.role}>
      <span><strong>${t.role}</strong> token ${revoked ? html`<span class="pill" data-ok="false">revoked ${ago(t.revokedAtMs, this.ctx.now())}</span>` : nothing}</span>
      <span>${chips(t.scopes)}</span>
      <span class="muted small">issued ${ago(t.rotatedAtMs ?? t.createdAtMs, this.ctx.now())}, used ${ago(t.lastUsedAtMs, this.ctx.now())}</span>
      ${this.ctx.can("device.token.rotate")
        ? html`<span class="actions">
            <button type="button" class="button secondary small" aria-label=${`Rotate ${t.role} token of ${name}`} @click=${() => this.rotate(d, t)}>Rotate</button>
            ${revoked ? nothing : html`<button type="button" class="button danger small" aria-label=${`Revoke ${t.role} token of ${name}`} @click=${() => this.revoke(d, t)}>Revoke</button>`}
          </span>`
        : nothing}
    </li>`;
  }

  private mintedView(): TemplateResult | typeof nothing {
    const m = this.minted;
    if (!m) return nothing;
    return html`<section class="card" aria-labelledby="minted-title" role="region">
      <h2 id="minted-title">New token (shown once)</h2>
      <p>The ${m.role} token of <code>${fingerprint(m.deviceId)}</code> was replaced. Hand this token to the device; the old one no longer works.</p>
      <pre class="command"><code id="minted-token">${m.token}</code></pre>
      <button type="button" class="button secondary small" @click=${() => ((this.minted = undefined), this.ctx.update())}>Done</button>
    </section>`;
  }

  private async approve(p: Pending): Promise<void> {
    const ok = await this.ctx.dialog({
      title: "Approve this device?",
      confirmLabel: "Approve",
      body: html`<p><strong>${p.displayName ?? p.clientId ?? "This device"}</strong> (<code>${fingerprint(p.deviceId)}</code>) from ${p.remoteIp ?? "an unknown address"} gets:</p>
        <dl class="facts"><dt>Role</dt><dd>${p.role ?? "operator"}</dd><dt>Scopes</dt><dd>${chips(p.scopes)}</dd></dl>
        <p class="muted small">Approve only a device you recognise: it can then use the gateway with these scopes.</p>`,
    });
    if (!ok) return;
    await this.ctx.act("Could not approve", () => this.ctx.client.call("device.pair.approve", { requestId: p.requestId }), "Device approved.");
    await this.live.reload();
  }

  private async reject(p: Pending): Promise<void> {
    const ok = await this.ctx.dialog({
      title: "Reject this device?",
      confirmLabel: "Reject",
      danger: true,
      body: html`<p><strong>${p.displayName ?? p.clientId ?? "This device"}</strong> (<code>${fingerprint(p.deviceId)}</code>) asked for role ${p.role ?? "operator"} with ${chips(p.scopes)}. It will be told <code>pairing required</code> and must ask again.</p>`,
    });
    if (!ok) return;
    await this.ctx.act("Could not reject", () => this.ctx.client.call("device.pair.reject", { requestId: p.requestId }), "Request rejected.");
    await this.live.reload();
  }

  private async rotate(d: Paired, t: TokenInfo): Promise<void> {
    const offered = t.role === "operator" ? OPERATOR_SCOPES.filter((s) => t.scopes.includes(s) || t.scopes.includes("operator.admin")) : [];
    const scopes = await this.ctx.dialog<string[]>({
      title: `Rotate the ${t.role} token?`,
      confirmLabel: "Rotate",
      body: html`<p>A new token replaces the current one at once; sessions that used the old one are closed.</p>
        ${offered.length > 0
          ? html`<fieldset><legend>Scopes of the new token (uncheck to narrow)</legend>
              ${offered.map((s) => html`<label class="check"><input type="checkbox" name="scope" value=${s} ?checked=${t.scopes.includes(s)}> <code>${s}</code></label>`)}
            </fieldset>`
          : nothing}`,
      read: (form) => new FormData(form).getAll("scope").map(String),
    });
    if (scopes === null) return;
    const params = { deviceId: d.deviceId, role: t.role as "operator" | "node", ...(offered.length > 0 ? { scopes } : {}) };
    const res = await this.ctx.act("Could not rotate", () => this.ctx.client.call("device.token.rotate", params), "Token rotated.");
    if (res) this.minted = { deviceId: res.deviceId, role: res.role, token: res.token };
    await this.live.reload();
  }

  private async revoke(d: Paired, t: TokenInfo): Promise<void> {
    const ok = await this.ctx.dialog({
      title: `Revoke the ${t.role} token?`,
      confirmLabel: "Revoke",
      danger: true,
      body: html`<p>${d.displayName ?? d.clientId ?? "The device"} (<code>${fingerprint(d.deviceId)}</code>) is disconnected at once and needs a new approval or token.</p>`,
    });
    if (!ok) return;
    await this.ctx.act("Could not revoke", () => this.ctx.client.call("device.token.revoke", { deviceId: d.deviceId, role: t.role as "operator" | "node" }), "Token revoked.");
    await this.live.reload();
  }
}
