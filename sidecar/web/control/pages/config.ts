// Config: clawdbot.json as a form generated from config.schema, or as JSON5 text. Every save names
// the version it was made on (baseHash): when another page or client saved in between, nothing is
// overwritten and the page says so, with a way to load the new version. The gateway's complaints
// are shown by key path, and the page says which saved changes wait for a restart.

import { html, nothing, type TemplateResult } from "lit";
import { GatewayRequestError, type Result } from "@clawdbot/protocol/browser";
import type { Ctx, Page } from "../context.js";
import { messageOf } from "../context.js";
import { errorSummary, fieldErrors, type FieldError } from "../field-errors.js";
import { allFields, mergePatch, patchValue, inputText, valueAt, sectionsOf, type Field, type Section } from "./config-fields.js";
import { formView, type FormActions } from "./config-form.js";

type ConfigFile = Result<"config.get">;
type Saved = Result<"config.set">;
type Issue = ConfigFile["issues"][number];

/** Why the last save did not happen. */
type Refusal =
  | { kind: "conflict"; message: string }
  | { kind: "invalid"; errors: FieldError[] }
  | { kind: "failed"; message: string };

/** How long a restart asked for from this page waits, so the answer reaches the page first. */
const RESTART_DELAY_MS = 1000;

export class ConfigPage implements Page {
  readonly id = "config";
  readonly title = "Config";
  private sections: Section[] = [];
  private fields = new Map<string, Field>();
  /** The version the person's edits are made on; its hash guards the save. */
  private file: ConfigFile | undefined;
  private loadError: string | undefined;
  private mode: "form" | "raw" = "form";
  private drafts = new Map<string, string>();
  private removals = new Set<string>();
  /** The JSON5 text as edited (undefined: not edited, the file's text is shown). */
  private rawDraft: string | undefined;
  /** JSON5 text set aside when a newer version was loaded over it. */
  private setAside: string | undefined;
  private refusal: Refusal | undefined;
  private saved: Saved | undefined;
  private saving = false;
  private restartAfter = false;
  private search = "";
  private advanced = false;
  private open = new Set<string>();

  constructor(private readonly ctx: Ctx) {}

  async refresh(): Promise<void> {
    if (!this.ctx.can("config.get")) return;
    try {
      if (this.sections.length === 0) await this.loadSchema();
      // Edits in progress keep the version they were made on; "Reload" replaces it on request.
      if (!this.file || !this.dirty()) this.file = await this.ctx.client.call("config.get", {});
      this.loadError = undefined;
    } catch (err) {
      this.loadError = messageOf(err);
    }
    this.ctx.update();
  }

  private async loadSchema(): Promise<void> {
    const res = await this.ctx.client.call("config.schema", {});
    this.sections = sectionsOf(res.schema, res.uiHints);
    this.fields = new Map(this.sections.flatMap(allFields).map((f) => [f.path, f]));
  }

  private dirty(): boolean {
    return this.drafts.size > 0 || this.removals.size > 0 || this.rawDraft !== undefined;
  }

  /** Loads the file as it is now; edits in the form stay on top of it, edited text is set aside. */
  private async reload(): Promise<void> {
    const file = await this.ctx.act("Could not load the configuration", () => this.ctx.client.call("config.get", {}));
    if (!file) return;
    this.file = file;
    if (this.rawDraft !== undefined && this.rawDraft !== file.raw) this.setAside = this.rawDraft;
    this.rawDraft = undefined;
    this.refusal = undefined;
    this.saved = undefined;
    for (const [path, text] of this.drafts) {
      const field = this.fields.get(path);
      if (field && inputText(field, valueAt(file.parsed, path)) === text) this.drafts.delete(path);
    }
    this.ctx.update();
  }

  private async save(): Promise<void> {
    const file = this.file;
    if (!file || this.saving) return;
    const request = this.request(file.hash);
    if (!request) {
      this.ctx.note("Nothing to save: no setting was changed.");
      return;
    }
    this.saving = true;
    this.refusal = undefined;
    this.saved = undefined;
    this.ctx.update();
    try {
      this.saved = await request();
      this.drafts.clear();
      this.removals.clear();
      this.rawDraft = undefined;
      this.setAside = undefined;
      this.ctx.note("Configuration saved.");
      this.file = await this.ctx.client.call("config.get", {});
    } catch (err) {
      this.refusal = refusalOf(err);
      if (this.refusal.kind === "invalid") this.openGroupsOf(this.refusal.errors);
    } finally {
      this.saving = false;
      this.ctx.update();
    }
  }

  /** The write for what the person changed, on the version `baseHash`; undefined when nothing changed. */
  private request(baseHash: string): (() => Promise<Saved>) | undefined {
    const restart = this.restartAfter ? { restartDelayMs: RESTART_DELAY_MS } : {};
    const c = this.ctx.client;
    if (this.mode === "raw") {
      const raw = this.rawDraft;
      if (raw === undefined) return undefined;
      return () => (this.restartAfter ? c.call("config.apply", { raw, baseHash, ...restart }) : c.call("config.set", { raw, baseHash }));
    }
    const edits = new Map<string, unknown>();
    for (const [path, text] of this.drafts) {
      const field = this.fields.get(path);
      if (field) edits.set(path, patchValue(field, text));
    }
    for (const path of this.removals) edits.set(path, null);
    const patch = mergePatch(edits);
    if (Object.keys(patch).length === 0) return undefined;
    return () => c.call("config.patch", { raw: JSON.stringify(patch), baseHash, ...restart });
  }

  private openGroupsOf(errors: FieldError[]): void {
    for (const e of errors) this.open.add(e.path.split(".")[0]!);
  }

  private discard(): void {
    this.drafts.clear();
    this.removals.clear();
    this.rawDraft = undefined;
    this.refusal = undefined;
    this.ctx.update();
  }

  private readonly actions: FormActions = {
    edit: (field, text) => {
      if (text === inputText(field, valueAt(this.file?.parsed, field.path))) this.drafts.delete(field.path);
      else this.drafts.set(field.path, text);
      this.ctx.update();
    },
    remove: (field, yes) => {
      if (yes) this.removals.add(field.path);
      else this.removals.delete(field.path);
      this.drafts.delete(field.path);
      this.ctx.update();
    },
    toggle: (group, open) => {
      if (open) this.open.add(group);
      else this.open.delete(group);
    },
    editRaw: () => this.setMode("raw"),
  };

  private setMode(mode: "form" | "raw"): void {
    this.mode = mode;
    this.ctx.update();
  }

  view(): TemplateResult {
    if (!this.ctx.can("config.get")) {
      return html`<p class="muted" id="config-needs-admin">Reading and changing the configuration needs the <code>operator.admin</code> scope; this connection does not hold it.</p>`;
    }
    if (this.loadError) return html`<p role="alert" class="error">Could not load the configuration: ${this.loadError}</p>`;
    const file = this.file;
    if (!file || this.sections.length === 0) return html`<p class="muted">Loading…</p>`;
    return html`${this.fileView(file)} ${this.refusalView()} ${this.savedView()}
      <div class="toolbar" role="group" aria-label="Editor">
        <button type="button" class="button ${this.mode === "form" ? "primary" : "secondary"}" aria-pressed=${String(this.mode === "form")} @click=${() => this.setMode("form")}>Form</button>
        <button type="button" class="button ${this.mode === "raw" ? "primary" : "secondary"}" aria-pressed=${String(this.mode === "raw")} @click=${() => this.setMode("raw")}>JSON5</button>
      </div>
      <form class="cfg" novalidate aria-label=${this.mode === "form" ? "Settings" : "Configuration file"} @submit=${(e: SubmitEvent) => this.submit(e)}>
        ${this.mode === "form" ? this.formBody(file) : this.rawBody(file)}
        ${this.saveBar()}
      </form>`;
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    void this.save();
  }

  private fileView(file: ConfigFile): TemplateResult {
    return html`<p class="muted small" id="config-path">${file.exists ? html`File <code class="wrap">${file.path}</code>` : html`No file yet: saving creates <code class="wrap">${file.path}</code>.`}</p>
      ${file.issues.length > 0
        ? html`<div class="banner" role="status" id="config-issues"><p>The file on disk is not valid now:</p>${issueList(file.issues)}</div>`
        : nothing}
      ${file.warnings.map((w) => html`<p class="banner">${w.path === "(file)" ? "" : html`<code>${w.path}</code>: `}${w.message}</p>`)}`;
  }

  private refusalView(): TemplateResult | typeof nothing {
    const r = this.refusal;
    if (!r) return nothing;
    if (r.kind === "conflict") {
      return html`<section class="panel cfg-refusal" role="alert" aria-labelledby="conflict-title" id="config-conflict">
        <h2 id="conflict-title">Changed elsewhere: not saved</h2>
        <p>The configuration was changed by another page or client after this page loaded it. Nothing was saved, so that change was not overwritten.</p>
        <p class="muted small">${this.mode === "form"
          ? "Reloading shows the new version; your changes in the form stay on top of it to review and save again."
          : "Reloading shows the new version; your text is kept beside it to copy from."}</p>
        <div class="actions"><button type="button" class="button primary" @click=${() => void this.reload()}>Reload the configuration</button></div>
      </section>`;
    }
    return r.kind === "invalid"
      ? errorSummary("config-refused", r.errors)
      : html`<p class="error form-errors" role="alert" id="config-refused">Not saved: ${r.message}</p>`;
  }

  private savedView(): TemplateResult | typeof nothing {
    const s = this.saved;
    if (!s) return nothing;
    const restart = s.restartRequired;
    return html`<section class="banner" role="status" id="config-saved" aria-label="Saved">
      <p>Saved${s.changed.length === 0 ? ": the file is unchanged." : "."}${s.live.length > 0 ? html` Applied now: ${keys(s.live)}.` : nothing}</p>
      ${restart.length > 0
        ? html`<p id="config-restart"><strong>Needs a restart:</strong> ${keys(restart)} ${restart.length === 1 ? "takes" : "take"} effect after the gateway restarts.
            ${s.restart.scheduled
              ? `The gateway restarts in ${Math.round((s.restart.delayMs ?? 0) / 1000)} s; this page reconnects by itself.`
              : html`Restart it to apply ${restart.length === 1 ? "it" : "them"} (<code>clawdbot daemon restart</code> when it runs as a service)${s.restart.reason && this.restartAfter ? `: ${s.restart.reason}` : ""}.`}</p>`
        : nothing}
      ${s.warnings.map((w) => html`<p class="muted small">${w}</p>`)}
    </section>`;
  }

  private formBody(file: ConfigFile): TemplateResult {
    const errors = this.refusal?.kind === "invalid" ? this.refusal.errors : [];
    return html`<div class="toolbar">
        <label class="field">Find a setting<input type="search" .value=${this.search} @input=${(e: Event) => this.onSearch(e)} placeholder="port, token, gateway.bind…"></label>
        <label class="check"><input type="checkbox" .checked=${this.advanced} @change=${(e: Event) => this.onAdvanced(e)}> Show advanced settings</label>
      </div>
      <p class="muted small">Empty fields and “Default” use the gateway's default. Secrets are never shown: type a new value to replace one.</p>
      ${formView(
        { sections: this.sections, stored: file.parsed, drafts: this.drafts, removals: this.removals, errors, search: this.search, advanced: this.advanced, open: this.open, disabled: this.saving || !this.canWrite() },
        this.actions,
      )}`;
  }

  private rawBody(file: ConfigFile): TemplateResult {
    const text = this.rawDraft ?? file.raw ?? "{\n}\n";
    return html`<label class="field">clawdbot.json (JSON5)
        <textarea class="cfg-raw" rows="24" spellcheck="false" autocomplete="off" aria-describedby="raw-help" ?disabled=${this.saving || !this.canWrite()} .value=${text}
          @input=${(e: Event) => this.onRaw(e, file)}></textarea>
      </label>
      <p id="raw-help" class="muted small">Secrets show as <code>"[redacted]"</code>; leave the marker where it is to keep the stored value. Comments are kept.</p>
      ${this.setAside !== undefined
        ? html`<details class="cfg-aside"><summary>Your text from before reloading</summary>
            <label class="field">Your earlier text<textarea rows="12" readonly .value=${this.setAside}></textarea></label></details>`
        : nothing}`;
  }

  private saveBar(): TemplateResult {
    if (!this.canWrite()) return html`<p class="muted">This connection may not change the configuration.</p>`;
    const pending = this.mode === "form" ? this.drafts.size + this.removals.size : this.rawDraft === undefined ? 0 : 1;
    const what = this.mode === "form" ? `${pending} unsaved change${pending === 1 ? "" : "s"}` : pending > 0 ? "Unsaved text" : "No changes";
    return html`<div class="actions cfg-save">
      <label class="check"><input type="checkbox" .checked=${this.restartAfter} @change=${(e: Event) => this.onRestartAfter(e)}> Restart the gateway if a change needs it</label>
      <span class="muted" id="config-pending" role="status">${what}</span>
      <button type="button" class="button secondary" ?disabled=${pending === 0 || this.saving} @click=${() => this.discard()}>Discard changes</button>
      <button type="submit" class="button primary" ?disabled=${this.saving}>${this.saving ? "Saving…" : "Save"}</button>
    </div>`;
  }

  private canWrite(): boolean {
    return this.ctx.can(this.mode === "raw" ? "config.set" : "config.patch");
  }

  private onSearch(e: Event): void {
    this.search = (e.target as HTMLInputElement).value;
    this.ctx.update();
  }

  private onAdvanced(e: Event): void {
    this.advanced = (e.target as HTMLInputElement).checked;
    this.ctx.update();
  }

  private onRestartAfter(e: Event): void {
    this.restartAfter = (e.target as HTMLInputElement).checked;
  }

  private onRaw(e: Event, file: ConfigFile): void {
    const text = (e.target as HTMLTextAreaElement).value;
    this.rawDraft = text === file.raw ? undefined : text;
    this.ctx.update();
  }
}

/** A failed save, read for people: a conflict, values the gateway refused (by key path), or else. */
function refusalOf(err: unknown): Refusal {
  if (err instanceof GatewayRequestError && err.code === "CONFLICT") return { kind: "conflict", message: err.message };
  if (err instanceof GatewayRequestError && err.code === "INVALID_REQUEST") return { kind: "invalid", errors: fieldErrors(err).map(withoutPath) };
  return { kind: "failed", message: messageOf(err) };
}

/** A config problem's message repeats its path first; the summary leads with the path already. */
function withoutPath(e: FieldError): FieldError {
  return e.path !== "" && e.message.startsWith(`${e.path} `) ? { path: e.path, message: e.message.slice(e.path.length + 1) } : e;
}

function issueList(issues: readonly Issue[]): TemplateResult {
  return html`<ul class="plain">${issues.map((i) => html`<li><code class="key-path">${i.path}</code>: ${withoutPath(i).message}</li>`)}</ul>`;
}

function keys(paths: readonly string[]): TemplateResult[] {
  return paths.map((p, n) => html`${n > 0 ? ", " : ""}<code>${p}</code>`);
}
