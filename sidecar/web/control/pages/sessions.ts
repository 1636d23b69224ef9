// Sessions: every conversation the gateway keeps, most recent first, searched and filtered on the
// gateway; the last messages of one; its settings (label, model, thinking level, send policy);
// reset (a new transcript, the old one archived), compact and delete, each after a confirmation.
// Follows agent, chat and cron events: a turn shows its session running, then moves it to the top.

import { html, nothing, type TemplateResult } from "lit";
import type { Params, Result } from "@clawdbot/protocol/browser";
import type { Ctx, Page } from "../context.js";
import { errorSummary, fieldErrors, fieldMessage, errorsAt, type FieldError } from "../field-errors.js";
import { ago, when } from "../format.js";
import { card, loadState } from "../ui.js";
import { Expanded } from "./expanded.js";
import { LiveData } from "./live.js";
import "./sessions.css";

type SessionList = Result<"sessions.list">;
type Row = SessionList["sessions"][number];
type Patch = Params<"sessions.patch">;

const THINKING = ["off", "minimal", "low", "medium", "high"] as const;
/** "Active within" choices, in minutes (0: any time). */
const ACTIVE = [
  [0, "Any time"],
  [60, "Last hour"],
  [24 * 60, "Last 24 hours"],
  [7 * 24 * 60, "Last 7 days"],
] as const;
const LIST_LIMIT = 500;
/** Typing pauses this long before the gateway is asked again. */
const SEARCH_DELAY_MS = 250;
const PREVIEW_ITEMS = 20;
const PREVIEW_CHARS = 2000;
const COMPACT_KEEP = 200;

interface Filters {
  search: string;
  activeMinutes: number;
  includeGlobal: boolean;
  includeUnknown: boolean;
}

type Preview = Result<"sessions.preview">["previews"][number];

export class SessionsPage implements Page {
  readonly id = "sessions";
  readonly title = "Sessions";
  private list: SessionList | undefined;
  private filters: Filters = { search: "", activeMinutes: 0, includeGlobal: false, includeUnknown: false };
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly previews: Expanded<Preview>;
  /** The session whose settings form is open, and the gateway's refusal of its last save. */
  private editing: { key: string; errors: FieldError[] } | undefined;
  private readonly live: LiveData;

  constructor(private readonly ctx: Ctx) {
    this.live = new LiveData(ctx, () => this.load());
    this.previews = new Expanded(ctx, "the preview", (key) => this.fetchPreview(key));
    // A turn that started shows its session running; one that ended, or a cron run that
    // finished, changed a session's messages and time.
    ctx.client.on("agent", (e) => {
      if (e.stream === "lifecycle" && (e.data as { phase?: unknown }).phase === "start" && e.sessionKey) this.changed(e.sessionKey);
    });
    ctx.client.on("chat", (e) => {
      if (e.state !== "delta") this.changed(e.sessionKey);
    });
    ctx.client.on("cron", (e) => {
      if (e.action === "finished") this.live.changed();
    });
  }

  refresh(): Promise<void> {
    return this.live.show();
  }

  leave(): void {
    this.live.hide();
    clearTimeout(this.searchTimer);
  }

  private changed(key: string): void {
    if (!this.live.visible) return;
    void this.previews.load(key);
    this.live.changed();
  }

  private async load(): Promise<void> {
    const f = this.filters;
    const search = f.search.trim();
    this.list = await this.ctx.client.call("sessions.list", {
      limit: LIST_LIMIT,
      includeLastMessage: true,
      ...(search !== "" ? { search } : {}),
      ...(f.activeMinutes > 0 ? { activeMinutes: f.activeMinutes } : {}),
      ...(f.includeGlobal ? { includeGlobal: true } : {}),
      ...(f.includeUnknown ? { includeUnknown: true } : {}),
    });
    this.previews.keep(new Set(this.list.sessions.map((s) => s.key)));
  }

  view(): TemplateResult {
    const l = this.list;
    const filtered = this.filters.search.trim() !== "" || this.filters.activeMinutes > 0;
    return html`${this.filtersView()} ${loadState(this.live, "the sessions")}
      ${l
        ? card(
            "sessions-title",
            `Sessions (${l.count}${l.count === LIST_LIMIT ? "+" : ""})`,
            l.sessions.length === 0
              ? html`<p class="muted" id="no-sessions">${filtered ? "No session matches these filters." : "No session yet: a message on a channel or in Chat starts one."}</p>`
              : html`<div class="list">${l.sessions.map((s) => this.rowView(s, l))}</div>`,
            html`<p class="muted small">Default model ${l.defaults.model ?? "—"} (${l.defaults.modelProvider}). Stored in <code class="wrap">${l.path}</code>.</p>`,
          )
        : nothing}`;
  }

  private filtersView(): TemplateResult {
    const f = this.filters;
    return html`<form class="toolbar" aria-label="Session filters" role="search" @submit=${(e: Event) => e.preventDefault()}>
      <label class="field">Search sessions
        <input type="search" name="search" .value=${f.search} placeholder="key, label, name or id" @input=${(e: Event) => this.setSearch((e.target as HTMLInputElement).value)}>
      </label>
      <label class="field"><span id="sessions-active-label">Active</span>
        <select name="active" aria-labelledby="sessions-active-label" @change=${(e: Event) => this.setFilter({ activeMinutes: Number((e.target as HTMLSelectElement).value) || 0 })}>
          ${ACTIVE.map(([m, label]) => html`<option value=${String(m)} ?selected=${f.activeMinutes === m}>${label}</option>`)}
        </select>
      </label>
      <label class="check"><input type="checkbox" name="global" .checked=${f.includeGlobal} @change=${(e: Event) => this.setFilter({ includeGlobal: (e.target as HTMLInputElement).checked })}> Include global</label>
      <label class="check"><input type="checkbox" name="unknown" .checked=${f.includeUnknown} @change=${(e: Event) => this.setFilter({ includeUnknown: (e.target as HTMLInputElement).checked })}> Include unknown</label>
    </form>`;
  }

  private rowView(s: Row, l: SessionList): TemplateResult {
    const id = `session-${s.key}`;
    const name = nameOf(s);
    const preview = this.previews.get(s.key);
    const editing = this.editing?.key === s.key;
    return html`<article class="item session" aria-labelledby=${id} data-session=${s.key}>
      <h3 id=${id}>${name}
        ${s.active ? html`<span class="pill" data-ok="true">running</span>` : nothing}
        ${s.sendPolicy === "deny" ? html`<span class="pill" data-ok="false">sending off</span>` : nothing}
      </h3>
      <dl class="facts">
        <dt>Key</dt><dd><code class="wrap">${s.key}</code></dd>
        <dt>Kind</dt><dd>${s.kind}${s.channel ? ` · ${s.channel}` : ""}${s.peer ? ` · ${s.peer}` : ""}</dd>
        <dt>Messages</dt><dd>${s.messageCount}</dd>
        <dt>Updated</dt><dd title=${when(s.updatedAt ?? s.createdAt)}>${ago(s.updatedAt ?? s.createdAt, this.ctx.now())}</dd>
        <dt>Model</dt><dd>${s.model ?? "—"}${s.model === l.defaults.model ? html` <span class="muted small">(default)</span>` : nothing}</dd>
        <dt>Thinking</dt><dd>${s.thinkingLevel ?? html`<span class="muted">default</span>`}</dd>
        <dt>Sending</dt><dd>${s.sendPolicy ?? html`<span class="muted">default</span>`}</dd>
        <dt>Session id</dt><dd><code class="wrap small">${s.sessionId}</code></dd>
      </dl>
      ${s.lastMessage
        ? html`<p class="last-message"><span class="muted small">${s.lastMessage.role}, ${ago(s.lastMessage.timestamp, this.ctx.now())}:</span> <span class="text">${s.lastMessage.text}</span></p>`
        : nothing}
      <div class="actions">
        <button type="button" class="button secondary small" aria-expanded=${String(preview !== undefined)} aria-label=${`Preview ${name}`} @click=${() => this.previews.toggle(s.key)}>${preview ? "Hide preview" : "Preview"}</button>
        ${this.ctx.can("sessions.patch")
          ? html`<button type="button" class="button secondary small" aria-expanded=${String(editing)} aria-label=${`Edit ${name}`} @click=${() => this.toggleEdit(s.key)}>Edit</button>`
          : nothing}
        ${this.ctx.can("sessions.reset") ? html`<button type="button" class="button secondary small" aria-label=${`Reset ${name}`} @click=${() => this.reset(s)}>Reset</button>` : nothing}
        ${this.ctx.can("sessions.compact") && s.messageCount > 0
          ? html`<button type="button" class="button secondary small" aria-label=${`Compact ${name}`} @click=${() => this.compact(s)}>Compact</button>`
          : nothing}
        ${this.ctx.can("sessions.delete") && s.key !== "main"
          ? html`<button type="button" class="button danger small" aria-label=${`Delete ${name}`} @click=${() => this.remove(s)}>Delete</button>`
          : nothing}
      </div>
      ${editing ? this.editView(s, this.editing!.errors) : nothing}
      ${preview ? this.previewView(s, preview) : nothing}
    </article>`;
  }

  private previewView(s: Row, p: Preview | "loading"): TemplateResult {
    const label = `Last messages of ${nameOf(s)}`;
    if (p === "loading") return html`<p class="muted small">Loading the last messages…</p>`;
    if (p.status !== "ok") {
      const why = { empty: "No messages yet.", missing: "This session has no transcript.", error: "The transcript could not be read (see Logs)." }[p.status];
      return html`<p class="muted small" aria-label=${label}>${why}</p>`;
    }
    return html`<ol class="preview" aria-label=${label}>
      ${p.items.map(
        (m) => html`<li data-role=${m.role}>
          <span class="muted small"><strong>${m.role}</strong> <time title=${when(m.timestamp)}>${ago(m.timestamp, this.ctx.now())}</time></span>
          <span class="text">${m.text}</span>
        </li>`,
      )}
    </ol>`;
  }

  private editView(s: Row, errors: FieldError[]): TemplateResult {
    const name = nameOf(s);
    const field = (path: string) => {
      const bad = errorsAt(errors, path).length > 0;
      return { invalid: bad ? "true" : "false", describedBy: bad ? `edit-${path}-error` : nothing };
    };
    const label = field("label");
    const model = field("model");
    return html`<form class="session-edit" aria-label=${`Settings of ${name}`} novalidate @submit=${(e: SubmitEvent) => this.save(e, s)}>
      ${errorSummary("session-edit-errors", errors)}
      <div class="field-box">
        <label class="field">Label
          <input name="label" .value=${s.label ?? ""} maxlength="200" placeholder="none" aria-invalid=${label.invalid} aria-describedby=${label.describedBy}>
        </label>
        ${fieldMessage("edit-label-error", errors, "label")}
      </div>
      <div class="field-box">
        <label class="field">Model
          <input name="model" .value=${s.model !== this.list?.defaults.model ? (s.model ?? "") : ""} placeholder=${`default (${this.list?.defaults.model ?? "none"})`} aria-invalid=${model.invalid} aria-describedby=${model.describedBy}>
        </label>
        ${fieldMessage("edit-model-error", errors, "model")}
      </div>
      <label class="field"><span id="session-thinkingLevel-label">Thinking level</span>
        <select name="thinkingLevel" aria-labelledby="session-thinkingLevel-label">
          <option value="" ?selected=${s.thinkingLevel === undefined}>Default</option>
          ${THINKING.map((t) => html`<option value=${t} ?selected=${s.thinkingLevel === t}>${t}</option>`)}
        </select>
      </label>
      <label class="field"><span id="session-sendPolicy-label">Send policy</span>
        <select name="sendPolicy" aria-labelledby="session-sendPolicy-label">
          <option value="" ?selected=${s.sendPolicy === undefined}>Default</option>
          <option value="allow" ?selected=${s.sendPolicy === "allow"}>allow: replies are sent</option>
          <option value="deny" ?selected=${s.sendPolicy === "deny"}>deny: nothing is sent</option>
        </select>
      </label>
      <div class="actions">
        <button type="submit" class="button primary small">Save</button>
        <button type="button" class="button secondary small" @click=${() => this.toggleEdit(s.key)}>Cancel</button>
      </div>
    </form>`;
  }

  // ---- actions ----

  private setSearch(v: string): void {
    this.filters = { ...this.filters, search: v };
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.live.reload(), SEARCH_DELAY_MS);
  }

  private setFilter(change: Partial<Filters>): void {
    this.filters = { ...this.filters, ...change };
    void this.live.reload();
  }

  private async fetchPreview(key: string): Promise<Preview> {
    const res = await this.ctx.client.call("sessions.preview", { keys: [key], limit: PREVIEW_ITEMS, maxChars: PREVIEW_CHARS });
    return res.previews.find((x) => x.key === key) ?? { key, status: "missing", items: [] };
  }

  private toggleEdit(key: string): void {
    this.editing = this.editing?.key === key ? undefined : { key, errors: [] };
    this.ctx.update();
  }

  private async save(e: SubmitEvent, s: Row): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const text = (k: string) => String(data.get(k) ?? "").trim();
    const patch: Patch = { key: s.key };
    const label = text("label");
    if (label !== (s.label ?? "")) patch.label = label === "" ? null : label;
    const model = text("model");
    const current = s.model !== this.list?.defaults.model ? (s.model ?? "") : "";
    if (model !== current) patch.model = model === "" ? null : model;
    const thinking = text("thinkingLevel");
    if (thinking !== (s.thinkingLevel ?? "")) patch.thinkingLevel = thinking === "" ? null : (thinking as (typeof THINKING)[number]);
    const policy = text("sendPolicy");
    if (policy !== (s.sendPolicy ?? "")) patch.sendPolicy = policy === "" ? null : (policy as "allow" | "deny");
    if (Object.keys(patch).length === 1) {
      this.editing = undefined;
      this.ctx.update();
      return;
    }
    try {
      await this.ctx.client.call("sessions.patch", patch);
      this.editing = undefined;
      this.ctx.note(`Saved the settings of ${nameOf(s)}.`);
    } catch (err) {
      this.editing = { key: s.key, errors: fieldErrors(err) };
      this.ctx.update();
      return;
    }
    await this.live.reload();
  }

  private async reset(s: Row): Promise<void> {
    const ok = await this.ctx.dialog({
      title: `Reset ${nameOf(s)}?`,
      confirmLabel: "Reset",
      danger: true,
      body: html`<p>The session starts over with an empty transcript; its ${s.messageCount} ${s.messageCount === 1 ? "message is" : "messages are"} archived on the gateway host, not deleted. A run in progress is stopped.</p>`,
    });
    if (!ok) return;
    const res = await this.ctx.act(`Could not reset ${nameOf(s)}`, () => this.ctx.client.call("sessions.reset", { key: s.key }));
    if (res) this.ctx.note(res.archived ? `${nameOf(s)} starts over; the old transcript is archived.` : `${nameOf(s)} starts over.`);
    this.previews.close(s.key);
    await this.live.reload();
  }

  private async compact(s: Row): Promise<void> {
    const keep = await this.ctx.dialog<number>({
      title: `Compact ${nameOf(s)}?`,
      confirmLabel: "Compact",
      body: html`<p>The newest lines of the transcript stay; older ones move to an archive file on the gateway host.</p>
        <label class="field">Lines to keep<input type="number" name="maxLines" min="1" max="100000" value=${String(COMPACT_KEEP)} required></label>`,
      read: (form) => Number(new FormData(form).get("maxLines")) || COMPACT_KEEP,
    });
    if (keep === null) return;
    const res = await this.ctx.act(`Could not compact ${nameOf(s)}`, () => this.ctx.client.call("sessions.compact", { key: s.key, maxLines: keep }));
    if (res) this.ctx.note(res.compacted ? `Kept ${res.kept} lines; ${res.archivedLines} archived.` : `Nothing to compact${res.reason ? `: ${res.reason}` : ""}.`);
    await this.live.reload();
  }

  private async remove(s: Row): Promise<void> {
    const forGood = await this.ctx.dialog<boolean>({
      title: `Delete ${nameOf(s)}?`,
      confirmLabel: "Delete",
      danger: true,
      body: html`<p>The session <code class="wrap">${s.key}</code> leaves the list; its ${s.messageCount} ${s.messageCount === 1 ? "message is" : "messages are"} archived on the gateway host.</p>
        <label class="check"><input type="checkbox" name="deleteTranscript"> Delete the transcript for good instead</label>`,
      read: (form) => new FormData(form).get("deleteTranscript") !== null,
    });
    if (forGood === null) return;
    const res = await this.ctx.act(`Could not delete ${nameOf(s)}`, () => this.ctx.client.call("sessions.delete", { key: s.key, deleteTranscript: forGood }));
    if (res) this.ctx.note(res.deleted ? `Deleted ${nameOf(s)}${res.archived.length > 0 ? "; transcript archived" : ""}.` : `${nameOf(s)} was already gone.`);
    this.previews.close(s.key);
    if (this.editing?.key === s.key) this.editing = undefined;
    await this.live.reload();
  }
}

/** What people call a session: its label, else its name, else its key. */
function nameOf(s: Row): string {
  return s.label || s.displayName || s.key;
}
