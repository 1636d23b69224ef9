import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import {
  CronJobSchema,
  type CronAddParams,
  type CronEvent,
  type CronJob,
  type CronRunLogEntry,
  type Params,
  type Result,
} from "@clawdbot/protocol";
import type { Logger } from "pino";
import type { CronConfig } from "../config/index.js";
import { GatewayError } from "../errors.js";
import { LockedJsonFile } from "../store/locked-json.js";
import type { OutboxEvent } from "../channels/outbox.js";
import { checkSchedule, nextRunAt } from "./schedule.js";
import { RunLog } from "./run-log.js";
import type { Timers, TimerHandle } from "./timers.js";

const JobsFileSchema = Type.Object({ version: Type.Literal(1), jobs: Type.Array(CronJobSchema) }, { additionalProperties: false });
/** `<stateDir>/cron/jobs.json`, changed only under its lock and written atomically. */
export type CronJobStore = LockedJsonFile<typeof JobsFileSchema>;

/** Opens the job store; a damaged one stops the gateway (StoreCorruptError) rather than losing jobs. */
export function openCronStore(stateDir: string): Promise<CronJobStore> {
  return LockedJsonFile.open(join(stateDir, "cron", "jobs.json"), JobsFileSchema, () => ({ version: 1 as const, jobs: [] }));
}

/**
 * The timer never sleeps longer than this: Node's timers follow a monotonic clock, so after the
 * machine slept or the wall clock was set forward, a due job is noticed within a minute. With no
 * enabled job there is no timer at all.
 */
const MAX_SLEEP_MS = 60_000;
/** A run that starts this long after its due time is recorded as late. */
const LATE_AFTER_MS = 60_000;
const STOP_WAIT_MS = 2000;
const KEPT_DELIVERY_ERRORS = 10;

type Trigger = CronRunLogEntry["trigger"];

/** What running a job's payload produced. */
export interface ExecResult {
  status: "ok" | "error" | "skipped";
  error?: string;
  summary?: string;
  sessionKey?: string;
  /** A reply to send through the outbox. */
  deliver?: { channel: string; chatId: string; text: string };
  /** Delivery was asked for but could not be queued (no such channel, no target). */
  deliveryError?: string;
}

export interface CronDeps {
  stateDir: string;
  now: () => number;
  timers: Timers;
  log: Logger;
  config: () => CronConfig;
  /** Runs a job's payload (an agent turn or a system event). */
  execute: (job: CronJob, run: { runId: string; runAtMs: number }) => Promise<ExecResult>;
  /** Refuses a job whose payload cannot run here (unknown channel, systemEvent outside main, …). */
  check: (job: CronJob) => void;
  /** Queues a reply in the durable outbox; its outcome comes back through `onOutbox`. */
  deliver: (req: { channel: string; chatId: string; text: string; idempotencyKey: string }) => Promise<unknown>;
  emit: (ev: CronEvent) => void;
}

/**
 * Scheduled jobs: kept in `<stateDir>/cron/jobs.json` (locked, atomic writes), run by one timer
 * armed for the soonest due job and re-armed after every change. A run is recorded as started
 * (and the job's next time computed) on disk before it executes, so a restart, a reload or a clock
 * set back never runs the same due time twice; a job due while the gateway was down runs once at
 * start-up (or is skipped, per `catchUp`); a job never overlaps itself.
 */
export class CronService {
  private readonly runs: RunLog;
  private readonly running = new Map<string, Promise<CronRunLogEntry>>();
  /** Jobs that fell due while the gateway was down, run at start-up as catch-ups. */
  private readonly missed = new Set<string>();
  private timer: TimerHandle | undefined;
  private stopped = true;

  constructor(
    private readonly deps: CronDeps,
    private readonly store: CronJobStore,
  ) {
    this.runs = new RunLog(deps.stateDir, () => deps.config().maxRunsPerJob, deps.log);
  }

  get storePath(): string {
    return join(this.deps.stateDir, "cron", "jobs.json");
  }

  /** Settles runs a crash interrupted, applies the catch-up policy, arms the timer. */
  async start(): Promise<void> {
    const now = this.deps.now();
    const interrupted: CronJob[] = [];
    const skipped: CronJob[] = [];
    await this.store.mutate((doc) => {
      for (const job of doc.jobs) {
        if (job.state.runningAtMs !== undefined) {
          interrupted.push(structuredClone(job));
          job.state.lastRunAtMs = job.state.runningAtMs;
          job.state.lastStatus = "error";
          job.state.lastError = "interrupted: the gateway stopped during this run";
          delete job.state.runningAtMs;
        }
        const due = job.state.nextRunAtMs;
        if (!job.enabled || due === undefined || due > now) continue;
        if ((job.catchUp ?? this.deps.config().catchUp) === "skip") {
          skipped.push(structuredClone(job));
          this.setNext(job, nextRunAt(job.schedule, now, job.createdAtMs));
        } else this.missed.add(job.id);
      }
    });
    for (const job of interrupted) {
      await this.runs.append(this.entry(job, { runId: randomUUID(), runAtMs: job.state.runningAtMs!, trigger: "schedule", endedAt: now }, { status: "error", error: "interrupted: the gateway stopped during this run" }));
    }
    for (const job of skipped) {
      await this.runs.append(this.entry(job, { runId: randomUUID(), runAtMs: now, trigger: "catch-up", endedAt: now, scheduledAtMs: job.state.nextRunAtMs }, { status: "skipped", summary: "missed while the gateway was down (catchUp: skip)" }));
    }
    this.stopped = false;
    this.arm();
  }

  /** Stops the timer and waits (briefly) for runs in flight to record their outcome. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    // Not unref'd: shutdown may wait this long for a run to be recorded, no longer.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.whenIdle(), new Promise((r) => (timer = setTimeout(r, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Resolves once no run is in flight (each recorded and the timer re-armed). */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running.values()]);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Config reload: the scheduler may have been turned on or off. Due times are kept as they are. */
  reconfigure(): void {
    this.arm();
  }

  list(includeDisabled: boolean): CronJob[] {
    return this.store.data.jobs
      .filter((j) => includeDisabled || j.enabled)
      .map((j) => structuredClone(j))
      .sort((a, b) => (a.state.nextRunAtMs ?? Infinity) - (b.state.nextRunAtMs ?? Infinity) || a.createdAtMs - b.createdAtMs);
  }

  status(): Result<"cron.status"> {
    const jobs = this.store.data.jobs;
    return {
      enabled: !this.stopped && this.deps.config().enabled,
      storePath: this.storePath,
      jobs: jobs.length,
      enabledJobs: jobs.filter((j) => j.enabled).length,
      runningJobs: this.running.size,
      nextWakeAtMs: this.stopped || !this.deps.config().enabled ? null : (this.nextDue() ?? null),
    };
  }

  async add(p: CronAddParams): Promise<CronJob> {
    const now = this.deps.now();
    checkSchedule(p.schedule, now);
    const job: CronJob = { ...p, id: randomUUID(), enabled: p.enabled ?? true, createdAtMs: now, updatedAtMs: now, state: {} };
    this.deps.check(job);
    if (job.enabled) this.setNext(job, nextRunAt(job.schedule, now, now));
    await this.store.mutate((doc) => void doc.jobs.push(job));
    this.deps.log.info({ jobId: job.id, name: job.name, nextRunAtMs: job.state.nextRunAtMs }, "cron job added");
    this.emit({ jobId: job.id, action: "added", ...nextOf(job) });
    this.arm();
    return structuredClone(job);
  }

  async update(id: string, patch: Params<"cron.update">["patch"]): Promise<CronJob> {
    const now = this.deps.now();
    if (patch.schedule) checkSchedule(patch.schedule, now);
    const job = await this.store.mutate((doc) => {
      const current = doc.jobs.find((j) => j.id === id);
      if (!current) throw new GatewayError("not_found", `no cron job ${id}; see cron.list`);
      const payload = patch.payload && patch.payload.kind === current.payload.kind ? { ...current.payload, ...patch.payload } : (patch.payload ?? current.payload);
      const next: CronJob = { ...current, ...definedOnly(patch), payload, updatedAtMs: now };
      this.deps.check(next);
      const rescheduled = patch.schedule !== undefined || (next.enabled && !current.enabled);
      if (!next.enabled) this.setNext(next, undefined);
      else if (rescheduled) this.setNext(next, nextRunAt(next.schedule, now, next.createdAtMs));
      Object.assign(current, next);
      return structuredClone(current);
    });
    this.emit({ jobId: id, action: "updated", ...nextOf(job) });
    this.arm();
    return job;
  }

  /** Removes a job; a run in flight finishes and is recorded. Its run history stays. */
  async remove(id: string): Promise<boolean> {
    const removed = await this.store.mutate((doc) => {
      const before = doc.jobs.length;
      doc.jobs = doc.jobs.filter((j) => j.id !== id);
      return doc.jobs.length !== before;
    });
    if (removed) this.emit({ jobId: id, action: "removed" });
    this.arm();
    return removed;
  }

  /** `force` runs now whatever the schedule; `due` only when the job is due. Resolves when it finished. */
  async run(id: string, mode: "force" | "due"): Promise<Result<"cron.run">> {
    const job = this.store.data.jobs.find((j) => j.id === id);
    if (!job) throw new GatewayError("not_found", `no cron job ${id}; see cron.list`);
    if (this.running.has(id)) return { ok: true, ran: false, reason: "already-running" };
    if (mode === "due") {
      if (!job.enabled) return { ok: true, ran: false, reason: "disabled" };
      if (job.state.nextRunAtMs === undefined || job.state.nextRunAtMs > this.deps.now()) return { ok: true, ran: false, reason: "not-due" };
    }
    const entry = await this.startRun(job, mode === "due" ? "schedule" : "manual");
    return { ok: true, ran: true, entry };
  }

  /** A job's last `limit` runs, oldest first (also for removed jobs whose history remains). */
  history(id: string, limit: number): Promise<CronRunLogEntry[]> {
    return this.runs.read(id, limit);
  }

  /** The outbox reports on a reply a run queued: record attempts, delivery or failure on that run. */
  onOutbox(ev: OutboxEvent): void {
    if (ev.type === "queued") return;
    const m = /^cron:([A-Za-z0-9_-]+):([0-9a-f-]+)$/.exec(ev.item.idempotencyKey);
    if (!m) return;
    this.recordDelivery(m[1]!, m[2]!, ev).catch((err: unknown) => this.deps.log.error({ err, jobId: m[1] }, "cron delivery outcome not recorded"));
  }

  private async recordDelivery(jobId: string, runId: string, ev: OutboxEvent): Promise<void> {
    const entry = await this.runs.update(jobId, runId, (e) => {
      if (ev.type === "attempt-failed") {
        return { ...e, deliveryAttempts: ev.item.attempts, deliveryErrors: [...(e.deliveryErrors ?? []), ev.error].slice(-KEPT_DELIVERY_ERRORS) };
      }
      const delivered = ev.type === "delivered";
      return {
        ...e,
        deliveryStatus: delivered ? "delivered" : "not-delivered",
        delivered,
        deliveryAttempts: ev.item.attempts + (delivered ? 1 : 0),
        outboxId: ev.item.id,
        ...(ev.type === "failed" ? { deliveryError: ev.error } : {}),
      };
    });
    if (!entry || ev.type === "attempt-failed") return;
    const job = await this.store.mutate((doc) => {
      const j = doc.jobs.find((x) => x.id === jobId);
      if (!j || j.state.lastRunAtMs !== entry.runAtMs) return undefined;
      j.state.lastDeliveryStatus = entry.deliveryStatus;
      if (entry.deliveryError) j.state.lastDeliveryError = entry.deliveryError;
      else delete j.state.lastDeliveryError;
      return structuredClone(j);
    });
    if (job) this.emit({ jobId, action: "updated", deliveryStatus: entry.deliveryStatus, ...nextOf(job) });
  }

  /** Marks the job running at once (so nothing starts it twice), then runs it. */
  private startRun(job: CronJob, trigger: Trigger): Promise<CronRunLogEntry> {
    const run = this.execute(job.id, trigger);
    this.running.set(job.id, run);
    void run
      .catch((err: unknown) => this.deps.log.error({ err, jobId: job.id }, "cron run failed"))
      .finally(() => {
        this.running.delete(job.id);
        this.arm();
      });
    return run;
  }

  private async execute(jobId: string, trigger: Trigger): Promise<CronRunLogEntry> {
    const runId = randomUUID();
    const runAtMs = this.deps.now();
    // On disk before anything runs: the next due time, and that this one is under way.
    const started = await this.store.mutate((doc) => {
      const j = doc.jobs.find((x) => x.id === jobId);
      if (!j) throw new GatewayError("not_found", `cron job ${jobId} was removed`);
      const scheduledAtMs = trigger === "manual" ? undefined : j.state.nextRunAtMs;
      j.state.runningAtMs = runAtMs;
      if (trigger !== "manual") this.setNext(j, nextRunAt(j.schedule, runAtMs, j.createdAtMs));
      return { job: structuredClone(j), scheduledAtMs };
    });
    const { job, scheduledAtMs } = started;
    const late = scheduledAtMs !== undefined && (trigger === "catch-up" || runAtMs - scheduledAtMs >= LATE_AFTER_MS);
    this.deps.log.info({ jobId, runId, trigger, late, scheduledAtMs }, "cron job started");
    this.emit({ jobId, action: "started", runAtMs, ...nextOf(job) });

    let res: ExecResult;
    try {
      res = await this.deps.execute(job, { runId, runAtMs });
    } catch (err) {
      res = { status: "error", error: (err as Error).message || String(err) };
    }
    const entry = this.entry(job, { runId, runAtMs, trigger, endedAt: this.deps.now(), ...(scheduledAtMs !== undefined ? { scheduledAtMs } : {}), late }, res);
    await this.runs.append(entry);
    const after = await this.finish(job, entry, trigger);
    this.emit({
      jobId,
      action: "finished",
      runAtMs,
      durationMs: entry.durationMs,
      status: entry.status,
      ...(entry.error ? { error: entry.error } : {}),
      ...(entry.summary ? { summary: entry.summary } : {}),
      ...(late ? { late } : {}),
      deliveryStatus: entry.deliveryStatus,
      ...(after ? nextOf(after) : {}),
    });
    if (res.deliver) await this.queueDelivery(job, runId, res.deliver);
    return entry;
  }

  /** Records the outcome on the job; a one-shot job is disabled (or removed when asked). */
  private async finish(job: CronJob, entry: CronRunLogEntry, trigger: Trigger): Promise<CronJob | undefined> {
    const remove = job.deleteAfterRun === true && entry.status === "ok";
    const after = await this.store.mutate((doc) => {
      const j = doc.jobs.find((x) => x.id === job.id);
      if (!j) return undefined;
      delete j.state.runningAtMs;
      j.state.lastRunAtMs = entry.runAtMs;
      j.state.lastStatus = entry.status;
      j.state.lastDurationMs = entry.durationMs;
      j.state.lastDeliveryStatus = entry.deliveryStatus;
      if (entry.error) j.state.lastError = entry.error;
      else delete j.state.lastError;
      if (entry.deliveryError) j.state.lastDeliveryError = entry.deliveryError;
      else delete j.state.lastDeliveryError;
      if (j.schedule.kind === "at" && trigger !== "manual") {
        j.enabled = false;
        this.setNext(j, undefined);
      }
      if (remove) doc.jobs = doc.jobs.filter((x) => x.id !== job.id);
      return structuredClone(j);
    });
    this.deps.log.info({ jobId: job.id, runId: entry.runId, status: entry.status, durationMs: entry.durationMs, error: entry.error }, "cron job finished");
    if (remove && after) this.emit({ jobId: job.id, action: "removed" });
    return remove ? undefined : after;
  }

  private async queueDelivery(job: CronJob, runId: string, d: NonNullable<ExecResult["deliver"]>): Promise<void> {
    try {
      await this.deps.deliver({ ...d, idempotencyKey: `cron:${job.id}:${runId}` });
    } catch (err) {
      const error = `delivery not queued: ${(err as Error).message}`;
      this.deps.log.error({ err, jobId: job.id, runId }, "cron delivery not queued");
      await this.runs.update(job.id, runId, (e) => ({ ...e, deliveryStatus: "not-delivered", delivered: false, deliveryError: error }));
    }
  }

  private entry(
    job: CronJob,
    run: { runId: string; runAtMs: number; trigger: Trigger; endedAt: number; scheduledAtMs?: number | undefined; late?: boolean },
    res: ExecResult,
  ): CronRunLogEntry {
    const deliveryStatus = res.deliver ? "pending" : res.deliveryError ? "not-delivered" : "not-requested";
    return {
      ts: run.endedAt,
      jobId: job.id,
      action: "finished",
      status: res.status,
      ...(res.error ? { error: res.error } : {}),
      ...(res.summary ? { summary: res.summary } : {}),
      runAtMs: run.runAtMs,
      durationMs: Math.max(0, run.endedAt - run.runAtMs),
      ...(job.state.nextRunAtMs !== undefined ? { nextRunAtMs: job.state.nextRunAtMs } : {}),
      runId: run.runId,
      ...(res.sessionKey ? { sessionKey: res.sessionKey } : {}),
      ...(run.scheduledAtMs !== undefined ? { scheduledAtMs: run.scheduledAtMs } : {}),
      ...(run.late ? { late: true } : {}),
      trigger: run.trigger,
      deliveryStatus,
      ...(res.deliveryError ? { delivered: false, deliveryError: res.deliveryError } : {}),
    };
  }

  /** Starts every due job that is not running; called by the timer. */
  private runDue(): void {
    if (this.stopped || !this.deps.config().enabled) return;
    const now = this.deps.now();
    for (const job of this.store.data.jobs) {
      const due = job.state.nextRunAtMs;
      if (!job.enabled || this.running.has(job.id) || due === undefined || due > now) continue;
      void this.startRun(job, this.missed.delete(job.id) ? "catch-up" : "schedule");
    }
  }

  /** One timer, for the soonest due job that is not running; none when nothing is scheduled. */
  private arm(): void {
    this.disarm();
    if (this.stopped || !this.deps.config().enabled) return;
    const next = this.nextDue();
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next - this.deps.now()), MAX_SLEEP_MS);
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = undefined;
      this.runDue();
      this.arm();
    }, delay);
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    this.deps.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private nextDue(): number | undefined {
    let next: number | undefined;
    for (const j of this.store.data.jobs) {
      const due = j.state.nextRunAtMs;
      if (j.enabled && due !== undefined && !this.running.has(j.id) && (next === undefined || due < next)) next = due;
    }
    return next;
  }

  private setNext(job: CronJob, at: number | undefined): void {
    if (at === undefined) delete job.state.nextRunAtMs;
    else job.state.nextRunAtMs = at;
  }

  private emit(ev: Omit<CronEvent, "ts">): void {
    this.deps.emit({ ...ev, ts: this.deps.now() } as CronEvent);
  }
}

function nextOf(job: CronJob): { nextRunAtMs?: number } {
  return job.state.nextRunAtMs !== undefined ? { nextRunAtMs: job.state.nextRunAtMs } : {};
}

/** A patch without the keys it leaves alone (so `{name: undefined}` never erases a name). */
function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
