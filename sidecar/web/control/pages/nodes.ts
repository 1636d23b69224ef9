// Nodes: connected and paired nodes with their platform, commands and last contact; rename; a
// canvas snapshot of a node that offers canvas.snapshot; node pairing requests.

import { html, nothing, type TemplateResult } from "lit";
import { uuid, type Result } from "@clawdbot/protocol/browser";
import type { Ctx, Page } from "../context.js";
import { ago, when } from "../format.js";
import { card, chips, loadState } from "../ui.js";
import { LiveData } from "./live.js";

type NodeInfo = Result<"node.list">["nodes"][number];
type NodePairs = Result<"node.pair.list">;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export class NodesPage implements Page {
  readonly id = "nodes";
  readonly title = "Nodes";
  private nodes: NodeInfo[] = [];
  private pairs: NodePairs | undefined;
  private snapshots = new Map<string, { src: string; width?: number; height?: number; at: number } | "loading">();
  private readonly live: LiveData;

  constructor(private readonly ctx: Ctx) {
    this.live = new LiveData(ctx, () => this.load(), ["presence", "node.pair.requested", "node.pair.resolved"]);
  }

  refresh(): Promise<void> {
    return this.live.show();
  }

  leave(): void {
    this.live.hide();
  }

  private async load(): Promise<void> {
    const c = this.ctx.client;
    const [list, pairs] = await Promise.all([c.call("node.list", {}), this.ctx.can("node.pair.list") ? c.call("node.pair.list", {}) : undefined]);
    this.nodes = list.nodes;
    this.pairs = pairs;
  }

  view(): TemplateResult {
    const pending = this.pairs?.pending ?? [];
    return html`${loadState(this.live, "the nodes")}
      ${card("nodes-title", `Nodes (${this.nodes.length})`, this.nodes.length === 0
        ? html`<p class="muted">No node has connected yet. Start one with <code>clawdbot node run</code>.</p>`
        : html`<div class="list">${this.nodes.map((n) => this.nodeView(n))}</div>`)}
      ${this.unseenView()}
      ${this.pairs
        ? card("node-pairing-title", `Node pairing requests (${pending.length})`, pending.length === 0
            ? html`<p class="muted">No node is waiting.</p>`
            : html`<div class="list">${pending.map((r) => html`<article class="item" aria-labelledby=${`np-${r.requestId}`}>
                <h3 id=${`np-${r.requestId}`}>${r.displayName ?? r.nodeId}</h3>
                <dl class="facts"><dt>Node</dt><dd><code>${r.nodeId}</code></dd><dt>Platform</dt><dd>${r.platform ?? "?"}</dd><dt>Address</dt><dd>${r.remoteIp ?? "?"}</dd><dt>Commands</dt><dd>${chips(r.commands)}</dd></dl>
                ${this.ctx.can("node.pair.approve")
                  ? html`<div class="actions">
                      <button type="button" class="button primary" @click=${() => this.answer("approve", r.requestId, r.displayName ?? r.nodeId)}>Approve</button>
                      <button type="button" class="button secondary" @click=${() => this.answer("reject", r.requestId, r.displayName ?? r.nodeId)}>Reject</button>
                    </div>`
                  : nothing}
              </article>`)}</div>`)
        : nothing}`;
  }

  /** Nodes approved through node pairing that have not connected since (node.list knows only those seen). */
  private unseenView(): TemplateResult | typeof nothing {
    const unseen = (this.pairs?.paired ?? []).filter((p) => !this.nodes.some((n) => n.nodeId === p.nodeId));
    if (unseen.length === 0) return nothing;
    return card("paired-nodes-title", `Paired, not connected yet (${unseen.length})`, html`<div class="list">${unseen.map(
      (p) => html`<article class="item" aria-labelledby=${`paired-${p.nodeId}`}>
        <h3 id=${`paired-${p.nodeId}`}>${p.displayName ?? p.nodeId} <span class="pill">paired</span></h3>
        <dl class="facts"><dt>Node id</dt><dd><code class="wrap">${p.nodeId}</code></dd><dt>Platform</dt><dd>${p.platform ?? "?"}</dd><dt>Commands</dt><dd>${chips(p.commands)}</dd><dt>Approved</dt><dd title=${when(p.approvedAtMs)}>${ago(p.approvedAtMs, this.ctx.now())}</dd></dl>
      </article>`,
    )}</div>`);
  }

  private nodeView(n: NodeInfo): TemplateResult {
    const id = `node-${n.nodeId}`;
    const name = n.displayName ?? n.nodeId;
    const shot = this.snapshots.get(n.nodeId);
    const canSnap = n.connected && n.commands.includes("canvas.snapshot") && this.ctx.can("node.invoke");
    return html`<article class="item" aria-labelledby=${id} data-node=${n.nodeId}>
      <h3 id=${id}>${name} <span class="pill" data-ok=${String(n.connected)}>${n.connected ? "connected" : "offline"}</span></h3>
      <dl class="facts">
        <dt>Node id</dt><dd><code class="wrap">${n.nodeId}</code></dd>
        <dt>Platform</dt><dd>${n.platform ?? "?"}${n.version ? ` · ${n.version}` : ""}${n.deviceFamily ? ` · ${n.deviceFamily}` : ""}</dd>
        <dt>Commands</dt><dd>${chips(n.commands)}</dd>
        <dt>Capabilities</dt><dd>${chips(n.caps)}</dd>
        <dt>Last seen</dt><dd title=${when(n.lastSeenAtMs)}>${n.connected ? "now" : ago(n.lastSeenAtMs, this.ctx.now())}${n.remoteIp ? ` from ${n.remoteIp}` : ""}</dd>
      </dl>
      ${this.ctx.can("node.rename")
        ? html`<form class="inline-form" @submit=${(e: SubmitEvent) => this.rename(e, n)}>
            <label class="field">Name of ${name}<input name="displayName" .value=${n.displayName ?? ""} maxlength="100" required></label>
            <button type="submit" class="button secondary">Rename</button>
          </form>`
        : nothing}
      ${canSnap
        ? html`<div class="actions"><button type="button" class="button secondary" ?disabled=${shot === "loading"} @click=${() => this.snapshot(n)}>${shot === "loading" ? "Taking snapshot…" : "Canvas snapshot"}</button></div>`
        : nothing}
      ${shot && shot !== "loading"
        ? html`<figure class="snapshot"><img src=${shot.src} alt=${`Canvas of ${name}`}><figcaption class="muted small">${shot.width ?? "?"}×${shot.height ?? "?"}, ${ago(shot.at, this.ctx.now())}</figcaption></figure>`
        : nothing}
    </article>`;
  }

  private async rename(e: SubmitEvent, n: NodeInfo): Promise<void> {
    e.preventDefault();
    const displayName = String(new FormData(e.target as HTMLFormElement).get("displayName") ?? "").trim();
    if (displayName === "" || displayName === n.displayName) return;
    await this.ctx.act("Could not rename the node", () => this.ctx.client.call("node.rename", { nodeId: n.nodeId, displayName }), `Renamed to ${displayName}.`);
    await this.live.reload();
  }

  private async snapshot(n: NodeInfo): Promise<void> {
    this.snapshots.set(n.nodeId, "loading");
    this.ctx.update();
    const res = await this.ctx.act("Could not take a canvas snapshot", () =>
      this.ctx.client.call("node.invoke", { nodeId: n.nodeId, command: "canvas.snapshot", params: { format: "png" }, timeoutMs: 30_000, idempotencyKey: uuid() }, 45_000),
    );
    const p = (res?.payload ?? (res?.payloadJSON ? JSON.parse(res.payloadJSON) : undefined)) as { base64?: unknown; width?: number; height?: number } | undefined;
    if (p && typeof p.base64 === "string" && BASE64.test(p.base64)) {
      this.snapshots.set(n.nodeId, { src: `data:image/png;base64,${p.base64}`, ...(p.width ? { width: p.width } : {}), ...(p.height ? { height: p.height } : {}), at: this.ctx.now() });
    } else {
      this.snapshots.delete(n.nodeId);
      if (res) this.ctx.note("The node answered without an image.", "error");
    }
    this.ctx.update();
  }

  private async answer(kind: "approve" | "reject", requestId: string, name: string): Promise<void> {
    if (kind === "approve") {
      const ok = await this.ctx.dialog({ title: `Approve node ${name}?`, confirmLabel: "Approve", body: html`<p>The node gets a node token and may be sent commands from its allowlist.</p>` });
      if (!ok) return;
    }
    const method = kind === "approve" ? "node.pair.approve" : "node.pair.reject";
    await this.ctx.act(`Could not ${kind} ${name}`, () => this.ctx.client.call(method, { requestId }), kind === "approve" ? "Node approved." : "Request rejected.");
    await this.live.reload();
  }
}
