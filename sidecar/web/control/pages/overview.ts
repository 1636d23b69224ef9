// Overview: is the gateway healthy, what is it, who is connected, are channels up, is anyone
// waiting for approval. Follows presence, health and pairing events.

import { html, nothing, type TemplateResult } from "lit";
import type { Result } from "@clawdbot/protocol/browser";
import type { Ctx, Page } from "../context.js";
import { ago, duration } from "../format.js";
import { routeHash } from "../router.js";
import { card } from "../ui.js";
import { LiveData } from "./live.js";

type Status = Result<"status">;
type Health = Result<"health"> & { channels?: Record<string, { running: boolean; connected: boolean; lastError: string | null }>; heartbeat?: { enabled: boolean } };
type Channels = Result<"channels.status">;

export class OverviewPage implements Page {
  readonly id = "overview";
  readonly title = "Overview";
  private status: Status | undefined;
  private health: Health | undefined;
  private channels: Channels | undefined;
  private pending = { devices: 0, nodes: 0 };
  private fetchedAt = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly live: LiveData;

  constructor(private readonly ctx: Ctx) {
    this.live = new LiveData(ctx, () => this.load(), ["presence", "health", "device.pair.requested", "device.pair.resolved", "node.pair.requested", "node.pair.resolved"]);
  }

  async refresh(): Promise<void> {
    clearInterval(this.ticker);
    // The uptime counts on between loads.
    this.ticker = setInterval(() => this.ctx.update(), 1000);
    await this.live.show();
  }

  leave(): void {
    clearInterval(this.ticker);
    this.live.hide();
  }

  private async load(): Promise<void> {
    const c = this.ctx.client;
    const [status, health, channels, devices, nodes] = await Promise.all([
      c.call("status"),
      c.call("health"),
      c.call("channels.status"),
      this.ctx.can("device.pair.list") ? c.call("device.pair.list") : undefined,
      this.ctx.can("node.pair.list") ? c.call("node.pair.list") : undefined,
    ]);
    this.status = status;
    this.health = health as Health;
    this.channels = channels;
    this.pending = { devices: devices?.pending.length ?? status.pendingPairings ?? 0, nodes: nodes?.pending.length ?? 0 };
    this.fetchedAt = this.ctx.now();
  }

  view(): TemplateResult {
    const s = this.status;
    if (!s) return this.live.error ? html`<p role="alert">Could not load the overview: ${this.live.error}</p>` : html`<p class="muted">Loading…</p>`;
    const uptime = s.uptimeMs + (this.ctx.now() - this.fetchedAt);
    const roles = s.connectionsByRole ?? {};
    return html`${this.live.error ? html`<p role="alert">Could not refresh: ${this.live.error}</p>` : nothing}
      <div class="cards">
        ${card("ov-health", "Health", html`<dl class="facts">
          <dt>State</dt><dd><span class="pill" data-ok=${String(this.health?.ok ?? false)}>${this.health?.ok ? "Healthy" : "Unhealthy"}</span></dd>
          <dt>Heartbeats</dt><dd>${this.health?.heartbeat?.enabled ? "on" : "off"}</dd>
        </dl>`)}
        ${card("ov-gateway", "Gateway", html`<dl class="facts">
          <dt>Version</dt><dd id="version">${s.version}</dd>
          <dt>Uptime</dt><dd id="uptime">${duration(uptime)}</dd>
          <dt>Host</dt><dd>${s.host}</dd>
        </dl>`)}
        ${card("ov-address", "Address", html`<dl class="facts">
          <dt>Bind</dt><dd><code>${s.bind}:${s.port}</code></dd>
          <dt>URL</dt><dd><code>${s.url}</code></dd>
          <dt>TLS</dt><dd>${s.tls?.enabled ? html`<code class="wrap" id="tls-fingerprint">${s.tls.fingerprintSha256}</code>` : "off"}</dd>
        </dl>`)}
        ${card("ov-connections", "Connections", html`<dl class="facts">
          <dt>Open</dt><dd>${s.connections}</dd>
          <dt>Operators</dt><dd id="operators">${roles["operator"] ?? 0}</dd>
          <dt>Nodes</dt><dd id="nodes">${roles["node"] ?? 0}</dd>
        </dl>`)}
        ${card("ov-approvals", "Pending approvals", html`<dl class="facts">
          <dt>Devices</dt><dd id="pending-devices">${this.pending.devices}</dd>
          <dt>Nodes</dt><dd id="pending-nodes">${this.pending.nodes}</dd>
        </dl>
        ${this.pending.devices + this.pending.nodes > 0 ? html`<p><a href=${routeHash("devices")}>Review pairing requests</a></p>` : nothing}`)}
        ${card("ov-channels", "Channels", this.channelSummary())}
      </div>`;
  }

  private channelSummary(): TemplateResult {
    const ch = this.channels;
    if (!ch || ch.channelOrder.length === 0) return html`<p class="muted">No channels configured.</p>`;
    return html`<ul class="plain">
      ${ch.channelOrder.map((id) => {
        const c = ch.channels[id];
        const state = !c?.configured ? "not configured" : c.connected ? "connected" : c.running ? "connecting" : "stopped";
        return html`<li><a href=${routeHash("channels")}>${ch.channelLabels[id] ?? id}</a>: <span class="pill" data-ok=${String(c?.connected ?? false)}>${state}</span>
          ${c?.lastInboundAt ? html`<span class="muted small">last message ${ago(c.lastInboundAt, this.ctx.now())}</span>` : nothing}</li>`;
      })}
    </ul>`;
  }
}
