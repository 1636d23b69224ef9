// Cron: the scheduler's state and its jobs with their next run and last result; add and edit
// (refusals shown at the field their key path names), enable/disable, run now, remove after a
// confirmation, and each job's run history. Follows `cron` events: runs appear as they finish.

import { html, nothing, type TemplateResult } from "lit";
import { uuid, type Result } from "@clawdbot/protocol/browser";
import type { Ctx, Page } from "../context.js";
import { fieldErrors, type FieldError } from "../field-errors.js";
import { ago, duration, until, when } from "../format.js";
import { card, loadState } from "../ui.js";
import { draftOf, jobForm, newDraft, paramsOf, patchOf, scheduleText, type Draft } from "./cron-form.js";
import { Expanded } from "./expanded.js";
import { LiveData } from "./live.js";
import "./cron.css";

type Job = Result<"cron.list">["jobs"][number];
type Status = Result<"cron.status">;
type RunEntry = Result<"cron.runs">["entries"][number];

const HISTORY_LIMIT = 50;
/** A forced run answers when it finished: an agent turn may take minutes. */
const RUN_TIMEOUT_MS = 15 * 60_000;

const TRIGGER_TEXT: Record<RunEntry["trigger"], string> = { schedule: "schedule", "catch-up": "catch-up", manual: "run now" };

export class CronPage implements Page {
  readonly id = "cron";
  readonly title = "Cron";
  private jobs: Job[] = [];
  private status: Status | undefined;
  /** The add/edit form while open, with the gateway's refusal of its last save. */
  private form: { title: string; draft: Draft; errors: FieldError[]; busy: boolean } | undefined;
  private readonly histories: Expanded<RunEntry[]>;
  private readonly runningNow = new Set<string>();
  private readonly live: LiveData;

  constructor(private readonly ctx: Ctx) {
    this.live = new LiveData(ctx, () => this.load(), ["cron"]);
    this.histories = new Expanded(ctx, "the run history", async (id) => (await ctx.client.call("cron.runs", { id, limit: HISTORY_LIMIT })).entries);
    ctx.client.on("cron", (e) => {
      if (e.action === "finished" && this.live.visible) void this.histories.load(e.jobId);
    });
  }

  refresh(): Promise<void> {
    return this.live.show();
  }

  leave(): void {
    this.live.hide();
  }

  private async load(): Promise<void> {
    const c = this.ctx.client;
    const [list, status] = await Promise.all([c.call("cron.list", { includeDisabled: true }), c.call("cron.status", {})]);
    this.jobs = list.jobs;
    this.status = status;
  }

  view(): TemplateResult {
    const canWrite = this.ctx.can("cron.add");
    return html`${loadState(this.live, "the scheduled jobs")} ${this.statusView(canWrite)}
      ${this.form ? jobForm(this.form.title, this.form.draft, this.form.errors, this.form.busy, this.formHandlers) : nothing}
      ${this.live.loaded
        ? card("jobs-title", `Jobs (${this.jobs.length})`, this.jobs.length === 0
            ? html`<p class="muted" id="no-jobs">No job yet.${canWrite ? " Add one to have the agent do something on a schedule." : ""}</p>`
            : html`<div class="list">${this.jobs.map((j) => this.jobView(j))}</div>`)
        : nothing}`;
  }

  private statusView(canWrite: boolean): TemplateResult | typeof nothing {
    const s = this.status;
    if (!s) return nothing;
    return card("scheduler-title", "Scheduler", html`<dl class="facts">
        <dt>State</dt><dd><span class="pill" data-ok=${String(s.enabled)}>${s.enabled ? "running" : "off (cron.enabled is false)"}</span></dd>
        <dt>Jobs</dt><dd>${s.jobs} (${s.enabledJobs} enabled${s.runningJobs > 0 ? `, ${s.runningJobs} running` : ""})</dd>
        <dt>Next wake</dt><dd title=${when(s.nextWakeAtMs)}>${until(s.nextWakeAtMs, this.ctx.now())}</dd>
        <dt>Stored in</dt><dd><code class="wrap small">${s.storePath}</code></dd>
      </dl>
      ${canWrite && !this.form ? html`<div class="actions"><button type="button" class="button primary" @click=${() => this.openForm("New job", newDraft())}>Add job</button></div>` : nothing}`);
  }

  private jobView(j: Job): TemplateResult {
    const id = `job-${j.id}`;
    const st = j.state;
    const history = this.histories.get(j.id);
    const busy = this.runningNow.has(j.id) || st.runningAtMs !== undefined;
    return html`<article class="item job" aria-labelledby=${id} data-job=${j.id}>
      <h3 id=${id}>${j.name}
        <span class="pill" data-ok=${String(j.enabled)}>${j.enabled ? "enabled" : "disabled"}</span>
        ${st.runningAtMs !== undefined ? html`<span class="pill" data-ok="true">running</span>` : nothing}
      </h3>
      ${j.description ? html`<p class="muted">${j.description}</p>` : nothing}
      <dl class="facts">
        <dt>Schedule</dt><dd>${scheduleText(j.schedule)}</dd>
        <dt>Next run</dt><dd title=${when(st.nextRunAtMs)}>${j.enabled ? until(st.nextRunAtMs, this.ctx.now()) : "— (disabled)"}</dd>
        <dt>Last run</dt><dd title=${when(st.lastRunAtMs)}>${st.lastRunAtMs === undefined
          ? "never"
          : html`${statusPill(st.lastStatus)} ${ago(st.lastRunAtMs, this.ctx.now())}${st.lastDurationMs !== undefined ? `, took ${durationText(st.lastDurationMs)}` : ""}`}</dd>
        ${st.lastError ? html`<dt>Last error</dt><dd class="error">${st.lastError}</dd>` : nothing}
        ${st.lastDeliveryStatus && st.lastDeliveryStatus !== "not-requested"
          ? html`<dt>Delivery</dt><dd>${st.lastDeliveryStatus}${st.lastDeliveryError ? html` <span class="error">${st.lastDeliveryError}</span>` : nothing}</dd>`
          : nothing}
        <dt>Session</dt><dd><code>${j.sessionTarget === "isolated" ? `cron:${j.id}` : j.sessionTarget}</code></dd>
        <dt>Does</dt><dd class="job-payload">${j.payload.kind === "systemEvent"
          ? html`system event (wake ${j.wakeMode}): ${j.payload.text}`
          : html`agent turn: ${j.payload.message}${j.payload.deliver ? html` <span class="muted small">→ ${j.payload.channel ?? j.payload.provider ?? "?"} ${j.payload.to ?? ""}</span>` : nothing}`}</dd>
        <dt>Id</dt><dd><code class="small">${j.id}</code></dd>
      </dl>
      <div class="actions">
        ${this.ctx.can("cron.run")
          ? html`<button type="button" class="button primary small" ?disabled=${busy} aria-label=${`Run ${j.name} now`} @click=${() => this.runNow(j)}>${busy ? "Running…" : "Run now"}</button>`
          : nothing}
        <button type="button" class="button secondary small" aria-expanded=${String(history !== undefined)} aria-label=${`History of ${j.name}`} @click=${() => this.histories.toggle(j.id)}>${history ? "Hide history" : "History"}</button>
        ${this.ctx.can("cron.update")
          ? html`<button type="button" class="button secondary small" aria-label=${`Edit ${j.name}`} @click=${() => this.openForm(`Edit ${j.name}`, draftOf(j))}>Edit</button>
              <button type="button" class="button secondary small" aria-label=${`${j.enabled ? "Disable" : "Enable"} ${j.name}`} @click=${() => this.setEnabled(j, !j.enabled)}>${j.enabled ? "Disable" : "Enable"}</button>`
          : nothing}
        ${this.ctx.can("cron.remove")
          ? html`<button type="button" class="button danger small" aria-label=${`Remove ${j.name}`} @click=${() => this.remove(j)}>Remove</button>`
          : nothing}
      </div>
      ${history !== undefined ? this.historyView(j, history) : nothing}
    </article>`;
  }

  private historyView(j: Job, h: RunEntry[] | "loading"): TemplateResult {
    if (h === "loading") return html`<p class="muted small">Loading the run history…</p>`;
    if (h.length === 0) return html`<p class="muted small" aria-label=${`Run history of ${j.name}`}>No run yet.</p>`;
    return html`<div class="table-scroll"><table class="runs" aria-label=${`Run history of ${j.name}`}>
      <thead><tr><th scope="col">When</th><th scope="col">Trigger</th><th scope="col">Status</th><th scope="col">Took</th><th scope="col">Result</th><th scope="col">Delivery</th></tr></thead>
      <tbody>
        ${[...h].reverse().map(
          (r) => html`<tr data-run=${r.runId}>
            <td title=${when(r.runAtMs)}>${ago(r.runAtMs, this.ctx.now())}${r.late ? html` <span class="muted small">(late)</span>` : nothing}</td>
            <td>${TRIGGER_TEXT[r.trigger]}</td>
            <td>${statusPill(r.status)}</td>
            <td>${durationText(r.durationMs)}</td>
            <td class="run-result">${r.error ? html`<span class="error">${r.error}</span>` : (r.summary ?? "")}</td>
            <td>${r.deliveryStatus === "not-requested" ? "—" : r.deliveryStatus}${r.deliveryError ? html` <span class="error small">${r.deliveryError}</span>` : nothing}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>`;
  }

  // ---- actions ----

  private readonly formHandlers = {
    change: (field: keyof Draft, value: string | boolean) => {
      if (!this.form) return;
      const draft = { ...this.form.draft, [field]: value } as Draft;
      // A new interval starts counting from now.
      if (field === "every" || field === "unit" || field === "scheduleKind") delete draft.anchorMs;
      this.form = { ...this.form, draft };
      this.ctx.update();
    },
    submit: () => void this.save(),
    cancel: () => {
      this.form = undefined;
      this.ctx.update();
    },
  };

  private openForm(title: string, draft: Draft): void {
    this.form = { title, draft, errors: [], busy: false };
    this.ctx.update();
    queueMicrotask(() => document.getElementById("job-form-title")?.scrollIntoView({ block: "nearest" }));
  }

  private async save(): Promise<void> {
    const f = this.form;
    if (!f || f.busy) return;
    const params = paramsOf(f.draft);
    const job = f.draft.id ? this.jobs.find((j) => j.id === f.draft.id) : undefined;
    this.form = { ...f, busy: true };
    this.ctx.update();
    try {
      if (f.draft.id && job) {
        const patch = patchOf(job, params);
        if (Object.keys(patch).length > 0) await this.ctx.client.call("cron.update", { id: job.id, patch });
        this.ctx.note(`Saved ${params.name}.`);
      } else if (f.draft.id) {
        throw new Error(`the job ${f.draft.id} was removed meanwhile`);
      } else {
        const added = await this.ctx.client.call("cron.add", params);
        this.ctx.note(`Added ${added.name}${added.state.nextRunAtMs !== undefined ? `; it runs ${until(added.state.nextRunAtMs, this.ctx.now())}` : ""}.`);
      }
      this.form = undefined;
    } catch (err) {
      this.form = { ...f, busy: false, errors: fieldErrors(err) };
    }
    this.ctx.update();
    await this.live.reload();
  }

  private async setEnabled(j: Job, enabled: boolean): Promise<void> {
    await this.ctx.act(`Could not ${enabled ? "enable" : "disable"} ${j.name}`, () => this.ctx.client.call("cron.update", { id: j.id, patch: { enabled } }), `${j.name} ${enabled ? "enabled" : "disabled"}.`);
    await this.live.reload();
  }

  private async runNow(j: Job): Promise<void> {
    this.runningNow.add(j.id);
    this.ctx.update();
    try {
      const res = await this.ctx.act(`Could not run ${j.name}`, () => this.ctx.client.call("cron.run", { id: j.id, mode: "force", idempotencyKey: uuid() }, RUN_TIMEOUT_MS));
      if (res && !res.ran) this.ctx.note(`${j.name} did not run: ${res.reason === "already-running" ? "it is running already" : (res.reason ?? "no reason given")}.`, "error");
      else if (res?.entry) this.ctx.note(`${j.name} ran: ${res.entry.status}${res.entry.error ? ` — ${res.entry.error}` : ""}.`, res.entry.status === "error" ? "error" : "ok");
    } finally {
      this.runningNow.delete(j.id);
    }
    await this.histories.load(j.id);
    await this.live.reload();
  }

  private async remove(j: Job): Promise<void> {
    const ok = await this.ctx.dialog({
      title: `Remove ${j.name}?`,
      confirmLabel: "Remove",
      danger: true,
      body: html`<p>The job (${scheduleText(j.schedule)}) stops and leaves the list. Its run history stays on the gateway host.</p>`,
    });
    if (!ok) return;
    await this.ctx.act(`Could not remove ${j.name}`, () => this.ctx.client.call("cron.remove", { id: j.id }), `Removed ${j.name}.`);
    this.histories.close(j.id);
    if (this.form?.draft.id === j.id) this.form = undefined;
    await this.live.reload();
  }
}

function statusPill(status: RunEntry["status"] | undefined): TemplateResult {
  return html`<span class="pill" data-ok=${status === "ok" ? "true" : status === "error" ? "false" : ""}>${status ?? "?"}</span>`;
}

function durationText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : duration(ms);
}
