// The settings form: one group per top-level key, nested objects as fieldsets, each key labelled
// with its name and dotted path. Enums are selects, on/off keys a three-way select (unset keeps the
// default), secrets write-only, lists one item per line; maps (accounts, groups) go to the JSON5 editor.

import { html, nothing, type TemplateResult } from "lit";
import { errorsAt, fieldMessage, type FieldError } from "../field-errors.js";
import { allFields, inputText, valueAt, type Field, type Section } from "./config-fields.js";

/** What the form shows and what it reports back. */
export interface FormState {
  sections: readonly Section[];
  /** The stored config, secrets redacted. */
  stored: unknown;
  /** Input text by path, for keys the person changed. */
  drafts: ReadonlyMap<string, string>;
  /** Secrets the person asked to remove. */
  removals: ReadonlySet<string>;
  /** What the gateway refused in the last save. */
  errors: readonly FieldError[];
  search: string;
  advanced: boolean;
  open: ReadonlySet<string>;
  disabled: boolean;
}

export interface FormActions {
  edit(field: Field, text: string): void;
  remove(field: Field, yes: boolean): void;
  toggle(group: string, open: boolean): void;
  editRaw(): void;
}

/** The groups of the form. */
export function formView(st: FormState, act: FormActions): TemplateResult {
  const groups = st.sections.map((s) => groupView(s, st, act)).filter((g) => g !== nothing);
  return html`${groups.length === 0 ? html`<p class="muted">No setting matches “${st.search}”.</p>` : groups}`;
}

function groupView(s: Section, st: FormState, act: FormActions): TemplateResult | typeof nothing {
  const fields = allFields(s);
  const shown = fields.filter((f) => visible(f, st));
  if (shown.length === 0) return nothing;
  const changed = fields.filter((f) => st.drafts.has(f.path) || st.removals.has(f.path)).length;
  const wrong = errorsAt(st.errors, s.path).length > 0;
  const open = st.open.has(s.path) || st.search.trim() !== "" || wrong;
  return html`<details class="cfg-group" ?open=${open} @toggle=${(e: Event) => act.toggle(s.path, (e.target as HTMLDetailsElement).open)}>
    <summary>${s.label}${changed > 0 ? html` <span class="pill">${changed} changed</span>` : nothing}${wrong ? html` <span class="error">(needs a fix)</span>` : nothing}</summary>
    ${sectionBody(s, st, act)}
  </details>`;
}

function sectionBody(s: Section, st: FormState, act: FormActions): TemplateResult {
  return html`${s.help ? html`<p class="muted small">${s.help}</p>` : nothing}
    ${s.fields.filter((f) => visible(f, st)).map((f) => fieldView(f, st, act))}
    ${s.sections
      .filter((sub) => allFields(sub).some((f) => visible(f, st)))
      .map((sub) => html`<fieldset class="cfg-section"><legend>${sub.label} <code class="key">${sub.path}</code></legend>${sectionBody(sub, st, act)}</fieldset>`)}`;
}

function visible(f: Field, st: FormState): boolean {
  const q = st.search.trim().toLowerCase();
  if (q !== "") return f.path.toLowerCase().includes(q) || f.label.toLowerCase().includes(q);
  return !f.advanced || st.advanced || st.drafts.has(f.path) || errorsAt(st.errors, f.path).length > 0;
}

/** A DOM id for a key path. */
function fieldId(path: string): string {
  return `cfg-${path.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

function fieldView(f: Field, st: FormState, act: FormActions): TemplateResult {
  const id = fieldId(f.path);
  const invalid = errorsAt(st.errors, f.path).length > 0;
  const changed = st.drafts.has(f.path) || st.removals.has(f.path);
  const help = [f.help, f.kind === "list" ? "One per line." : undefined, f.restart ? "Takes effect after a restart." : undefined].filter(Boolean).join(" ");
  const describedBy = [help ? `${id}-help` : "", invalid ? `${id}-error` : ""].filter(Boolean).join(" ");
  return html`<div class="cfg-field" data-path=${f.path} data-changed=${String(changed)}>
    <label for=${id}>${f.label} <code class="key">${f.path}</code>${f.restart ? html` <span class="pill" title="Takes effect after a restart">restart</span>` : nothing}</label>
    ${control(f, id, describedBy, invalid, st, act)}
    ${help ? html`<p id=${`${id}-help`} class="muted small">${help}</p>` : nothing}
    ${fieldMessage(`${id}-error`, st.errors, f.path)}
  </div>`;
}

function control(f: Field, id: string, describedBy: string, invalid: boolean, st: FormState, act: FormActions): TemplateResult {
  const stored = valueAt(st.stored, f.path);
  const text = st.drafts.get(f.path) ?? inputText(f, stored);
  const onInput = (e: Event) => act.edit(f, (e.target as HTMLInputElement).value);
  const common: Common = { id, describedBy: describedBy || nothing, invalid: invalid ? "true" : nothing };
  switch (f.kind) {
    case "boolean":
      return selectView(common, st.disabled, text, [["true", "On"], ["false", "Off"]], onInput);
    case "choice":
      return selectView(common, st.disabled, text, f.choices.map((c) => [c, c]), onInput);
    case "list":
      return html`<textarea id=${id} rows="3" aria-describedby=${common.describedBy} aria-invalid=${common.invalid} ?disabled=${st.disabled} .value=${text} @input=${onInput}></textarea>`;
    case "secret":
      return secretView(f, common, stored !== undefined, st, act);
    case "elsewhere":
      return elsewhereView(id, stored, act);
    default: {
      const numeric = f.kind === "integer" || f.kind === "number";
      return html`<input id=${id} type="text" inputmode=${numeric ? "decimal" : nothing} autocomplete="off" spellcheck="false"
        aria-describedby=${common.describedBy} aria-invalid=${common.invalid} ?disabled=${st.disabled}
        placeholder=${numeric && (f.min !== undefined || f.max !== undefined) ? `${f.min ?? ""}…${f.max ?? ""}` : "default"} .value=${text} @input=${onInput}>`;
    }
  }
}

type Common = { id: string; describedBy: string | typeof nothing; invalid: string | typeof nothing };

function selectView(c: Common, disabled: boolean, value: string, options: string[][], onInput: (e: Event) => void): TemplateResult {
  // A stored value the schema does not know is still shown (the gateway says what is wrong with it).
  const known = value === "" || options.some(([v]) => v === value);
  return html`<select id=${c.id} aria-describedby=${c.describedBy} aria-invalid=${c.invalid} ?disabled=${disabled} @change=${onInput}>
    <option value="" ?selected=${value === ""}>Default</option>
    ${options.map(([v, label]) => html`<option value=${v!} ?selected=${v === value}>${label}</option>`)}
    ${known ? nothing : html`<option value=${value} selected>${value}</option>`}
  </select>`;
}

function secretView(f: Field, c: Common, stored: boolean, st: FormState, act: FormActions): TemplateResult {
  const removing = st.removals.has(f.path);
  return html`<input id=${c.id} type="password" autocomplete="new-password" aria-describedby=${c.describedBy} aria-invalid=${c.invalid}
      ?disabled=${st.disabled || removing} placeholder=${stored ? "Stored (hidden). Type a new value to replace it" : "Not set"}
      .value=${st.drafts.get(f.path) ?? ""} @input=${(e: Event) => act.edit(f, (e.target as HTMLInputElement).value)}>
    ${stored
      ? html`<label class="check small"><input type="checkbox" .checked=${removing} ?disabled=${st.disabled}
          @change=${(e: Event) => act.remove(f, (e.target as HTMLInputElement).checked)}> Remove the stored ${f.label.toLowerCase()}</label>`
      : nothing}`;
}

function elsewhereView(id: string, stored: unknown, act: FormActions): TemplateResult {
  const count = stored && typeof stored === "object" ? Object.keys(stored).length : 0;
  return html`<p id=${id} class="muted small">${count === 0 ? "None set." : `${count} set.`}
    <button type="button" class="button secondary small" @click=${() => act.editRaw()}>Edit in the JSON5 editor</button></p>`;
}
