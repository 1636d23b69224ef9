// The job form of the Cron page: what a person types (a draft), the cron.add params or cron.update
// patch it makes, and the form itself, each field marked when the gateway refuses its key path.

import { html, nothing, type TemplateResult } from "lit";
import type { Params, Result } from "@clawdbot/protocol/browser";
import { errorSummary, errorsAt, fieldMessage, type FieldError } from "../field-errors.js";

type Job = Result<"cron.list">["jobs"][number];
type AddParams = Params<"cron.add">;
type Schedule = AddParams["schedule"];
type Payload = AddParams["payload"];

const UNITS = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNITS;
const UNIT_NAMES: Record<Unit, string> = { s: "seconds", min: "minutes", h: "hours", d: "days" };

/** The form's fields as typed (strings for text inputs); `id` is set when editing a job. */
export interface Draft {
  id?: string;
  name: string;
  description: string;
  scheduleKind: "every" | "cron" | "at";
  every: string;
  unit: Unit;
  /** Kept from the job being edited while the interval stays the same. */
  anchorMs?: number;
  expr: string;
  tz: string;
  at: string;
  target: "isolated" | "main" | "named";
  sessionKey: string;
  wakeMode: "now" | "next-heartbeat";
  payloadKind: "agentTurn" | "systemEvent";
  message: string;
  deliver: boolean;
  channel: string;
  to: string;
  enabled: boolean;
  deleteAfterRun: boolean;
}

/** An empty form: every hour, an agent turn in the job's own session. */
export function newDraft(): Draft {
  return {
    name: "",
    description: "",
    scheduleKind: "every",
    every: "1",
    unit: "h",
    expr: "",
    tz: "",
    at: "",
    target: "isolated",
    sessionKey: "",
    wakeMode: "now",
    payloadKind: "agentTurn",
    message: "",
    deliver: false,
    channel: "",
    to: "",
    enabled: true,
    deleteAfterRun: false,
  };
}

/** The form filled from a stored job. */
export function draftOf(job: Job): Draft {
  const d: Draft = { ...newDraft(), id: job.id, name: job.name, description: job.description ?? "", enabled: job.enabled, deleteAfterRun: job.deleteAfterRun ?? false, wakeMode: job.wakeMode };
  const s = job.schedule;
  d.scheduleKind = s.kind;
  if (s.kind === "every") {
    const unit = (["d", "h", "min", "s"] as const).find((u) => s.everyMs % UNITS[u] === 0) ?? "s";
    d.unit = unit;
    d.every = String(s.everyMs / UNITS[unit]);
    if (s.anchorMs !== undefined) d.anchorMs = s.anchorMs;
  } else if (s.kind === "cron") {
    d.expr = s.expr;
    d.tz = s.tz ?? "";
  } else {
    d.at = localInput(s.atMs);
  }
  if (job.sessionTarget === "main" || job.sessionTarget === "isolated") d.target = job.sessionTarget;
  else {
    d.target = "named";
    d.sessionKey = job.sessionTarget.slice("session:".length);
  }
  const p = job.payload;
  d.payloadKind = p.kind;
  if (p.kind === "systemEvent") d.message = p.text;
  else {
    d.message = p.message;
    d.deliver = p.deliver ?? false;
    d.channel = p.channel ?? p.provider ?? "";
    d.to = p.to ?? "";
  }
  return d;
}

/** The cron.add params a draft stands for (the gateway checks them; the form only shapes them). */
export function paramsOf(d: Draft): AddParams {
  const system = d.payloadKind === "systemEvent";
  const payload: Payload = system
    ? { kind: "systemEvent", text: d.message }
    : {
        kind: "agentTurn",
        message: d.message,
        ...(d.deliver ? { deliver: true } : {}),
        ...(d.deliver && d.channel.trim() !== "" ? { channel: d.channel.trim() } : {}),
        ...(d.deliver && d.to.trim() !== "" ? { to: d.to.trim() } : {}),
      };
  return {
    name: d.name.trim(),
    ...(d.description.trim() !== "" ? { description: d.description.trim() } : {}),
    enabled: d.enabled,
    deleteAfterRun: d.deleteAfterRun,
    schedule: scheduleOf(d),
    sessionTarget: system ? "main" : d.target === "named" ? `session:${d.sessionKey.trim()}` : d.target,
    wakeMode: d.wakeMode,
    payload,
  };
}

/** What changed between a stored job and the form: only those fields go into cron.update. */
export function patchOf(job: Job, params: AddParams): Params<"cron.update">["patch"] {
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    const before = (job as Record<string, unknown>)[k];
    if (JSON.stringify(v) !== JSON.stringify(before ?? (k === "deleteAfterRun" ? false : undefined))) patch[k] = v;
  }
  if (params.description === undefined && job.description) patch["description"] = "";
  return patch as Params<"cron.update">["patch"];
}

function scheduleOf(d: Draft): Schedule {
  if (d.scheduleKind === "cron") return { kind: "cron", expr: d.expr.trim(), ...(d.tz.trim() !== "" ? { tz: d.tz.trim() } : {}) };
  if (d.scheduleKind === "at") return { kind: "at", atMs: d.at === "" ? Number.NaN : new Date(d.at).getTime() };
  const everyMs = Math.round(Number(d.every) * UNITS[d.unit]);
  return { kind: "every", everyMs, ...(d.anchorMs !== undefined ? { anchorMs: d.anchorMs } : {}) };
}

/** A schedule in words: "every 5 min", "cron 0 8 * * * (Europe/Berlin)", "once at …". */
export function scheduleText(s: Schedule): string {
  if (s.kind === "cron") return `cron ${s.expr}${s.tz ? ` (${s.tz})` : ""}`;
  if (s.kind === "at") return `once at ${new Date(s.atMs).toLocaleString()}`;
  const unit = (["d", "h", "min", "s"] as const).find((u) => s.everyMs % UNITS[u] === 0) ?? "s";
  return `every ${s.everyMs / UNITS[unit]} ${unit}`;
}

/** A value for <input type="datetime-local"> in the browser's time zone. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export interface FormHandlers {
  change(field: keyof Draft, value: string | boolean): void;
  submit(): void;
  cancel(): void;
}

/** The add/edit form titled `title`; `errors` are the gateway's refusal of the last save. */
export function jobForm(title: string, d: Draft, errors: readonly FieldError[], busy: boolean, on: FormHandlers): TemplateResult {
  const onInput = (e: Event) => {
    const el = e.target as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (!el.name) return;
    on.change(el.name as keyof Draft, el instanceof HTMLInputElement && el.type === "checkbox" ? el.checked : el.value);
  };
  const field = (label: string, path: string, control: (a: { invalid: string; describedBy: string | typeof nothing }) => TemplateResult, wide = false) => {
    const bad = errorsAt(errors, path).length > 0;
    const errId = `job-${path.replace(/\./g, "-")}-error`;
    // The message sits outside the label: it describes the control without renaming it.
    return html`<div class="field-box ${wide ? "wide" : ""}">
      <label class="field">${label} ${control({ invalid: bad ? "true" : "false", describedBy: bad ? errId : nothing })}</label>
      ${fieldMessage(errId, errors, path)}
    </div>`;
  };
  const system = d.payloadKind === "systemEvent";
  return html`<section class="card" aria-labelledby="job-form-title">
    <h2 id="job-form-title">${title}</h2>
    <form class="job-form" aria-labelledby="job-form-title" novalidate @input=${onInput} @change=${onInput} @submit=${(e: Event) => (e.preventDefault(), on.submit())}>
      ${errorSummary("job-errors", errors)}
      <div class="form-grid">
        ${field("Name", "name", (a) => html`<input name="name" .value=${d.name} maxlength="200" required aria-invalid=${a.invalid} aria-describedby=${a.describedBy}>`)}
        ${field("Description", "description", (a) => html`<input name="description" .value=${d.description} maxlength="2000" aria-invalid=${a.invalid} aria-describedby=${a.describedBy}>`)}
        <label class="field"><span id="job-scheduleKind-label">Schedule</span>
          <select name="scheduleKind" aria-labelledby="job-scheduleKind-label">
            <option value="every" ?selected=${d.scheduleKind === "every"}>Every …</option>
            <option value="cron" ?selected=${d.scheduleKind === "cron"}>Cron expression</option>
            <option value="at" ?selected=${d.scheduleKind === "at"}>Once, at a time</option>
          </select>
        </label>
        ${d.scheduleKind === "every"
          ? html`${field("Every", "schedule.everyMs", (a) => html`<input name="every" type="number" min="1" step="any" inputmode="decimal" .value=${d.every} aria-invalid=${a.invalid} aria-describedby=${a.describedBy}>`)}
              <label class="field"><span id="job-unit-label">Unit</span>
                <select name="unit" aria-labelledby="job-unit-label">${(Object.keys(UNITS) as Unit[]).map((u) => html`<option value=${u} ?selected=${d.unit === u}>${UNIT_NAMES[u]}</option>`)}</select>
              </label>`
          : nothing}
        ${d.scheduleKind === "cron"
          ? html`${field("Cron expression", "schedule.expr", (a) => html`<input name="expr" .value=${d.expr} placeholder="0 8 * * 1-5" spellcheck="false" aria-invalid=${a.invalid} aria-describedby=${a.describedBy}>`)}
              ${field("Time zone", "schedule.tz", (a) => html`<input name="tz" .value=${d.tz} placeholder="the gateway host's, or e.g. Europe/Berlin" aria-invalid=${a.invalid} aria-describedby=${a.describedBy}>`)}`
          : nothing}
        ${d.scheduleKind === "at"
          ? field("Run at", "schedule.atMs", (a) => html`<input name="at" type="datetime-local" .value=${d.at} aria-invalid=${a.invalid} aria-describedby=${a.describedBy}>`)
          : nothing}
        <label class="field"><span id="job-payloadKind-label">What it does</span>
          <select name="payloadKind" aria-labelledby="job-payloadKind-label">
            <option value="agentTurn" ?selected=${!system}>Run an agent turn</option>
            <option value="systemEvent" ?selected=${system}>Note a system event in the main session</option>
          </select>
        </label>
        ${system
          ? html`<label class="field"><span id="job-wakeMode-label">Wake the agent</span>
              <select name="wakeMode" aria-labelledby="job-wakeMode-label">
                <option value="now" ?selected=${d.wakeMode === "now"}>now</option>
                <option value="next-heartbeat" ?selected=${d.wakeMode === "next-heartbeat"}>at the next heartbeat</option>
              </select>
            </label>`
          : html`<label class="field"><span id="job-target-label">Session</span>
                <select name="target" aria-labelledby="job-target-label">
                  <option value="isolated" ?selected=${d.target === "isolated"}>its own (cron:&lt;id&gt;)</option>
                  <option value="main" ?selected=${d.target === "main"}>the main session</option>
                  <option value="named" ?selected=${d.target === "named"}>a named session</option>
                </select>
              </label>
              ${d.target === "named"
                ? field("Session key", "sessionTarget", (a) => html`<input name="sessionKey" .value=${d.sessionKey} spellcheck="false" aria-invalid=${a.invalid} aria-describedby=${a.describedBy}>`)
                : nothing}`}
        ${field(system ? "Event text" : "Message", system ? "payload.text" : "payload.message", (a) => html`<textarea name="message" rows="3" .value=${d.message} aria-invalid=${a.invalid} aria-describedby=${a.describedBy}></textarea>`, true)}
        ${system
          ? nothing
          : html`<label class="check wide"><input type="checkbox" name="deliver" .checked=${d.deliver}> Send the reply to a chat</label>
              ${d.deliver
                ? html`${field("Channel", "payload.channel", (a) => html`<input name="channel" .value=${d.channel} placeholder="telegram" aria-invalid=${a.invalid} aria-describedby=${a.describedBy}>`)}
                    ${field("To", "payload.to", (a) => html`<input name="to" .value=${d.to} placeholder="chat id" aria-invalid=${a.invalid} aria-describedby=${a.describedBy}>`)}`
                : nothing}`}
        <label class="check"><input type="checkbox" name="enabled" .checked=${d.enabled}> Enabled</label>
        <label class="check"><input type="checkbox" name="deleteAfterRun" .checked=${d.deleteAfterRun}> Remove after it ran</label>
      </div>
      <div class="actions">
        <button type="submit" class="button primary" ?disabled=${busy}>${d.id ? "Save job" : "Add job"}</button>
        <button type="button" class="button secondary" @click=${() => on.cancel()}>Cancel</button>
      </div>
    </form>
  </section>`;
}
