// A scheduler over a real state dir with an injected clock and an executor the test controls.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { Writable } from "node:stream";
import type { CronAddParams, CronEvent, CronJob } from "@clawdbot/protocol";
import { CronService, createLogger, openCronStore, type CronConfig, type ExecResult } from "@clawdbot/sidecar";
import { FakeClock } from "../support/fake-clock.js";

export interface Started {
  jobId: string;
  runId: string;
  at: number;
}

export interface Harness {
  clock: FakeClock;
  cron: CronService;
  dir: string;
  /** Every execution, in order. */
  started: Started[];
  events: CronEvent[];
  /** How runs end: by default at once with "ok". */
  behaviour: (job: CronJob, s: Started) => Promise<ExecResult>;
  /** Lets runs in flight finish and the timer re-arm. */
  settle: () => Promise<void>;
  advance(ms: number): Promise<void>;
  advanceTo(wallMs: number): Promise<void>;
  /** A second scheduler over the same files (a restart), sharing clock and executor. */
  reopen(config?: Partial<CronConfig>): Promise<Harness>;
}

export const MIN = 60_000;
export const HOUR = 60 * MIN;

const quiet = createLogger({ level: "silent", pretty: false, destination: new Writable({ write: (_c, _e, cb) => cb() }) });

/** A scheduler on a fresh temp dir whose wall clock starts at `startIso`; stopped when the test ends. */
export async function harness(t: TestContext, startIso: string, config: Partial<CronConfig> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-cron-"));
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 5 }));
  return build(t, dir, new FakeClock(Date.parse(startIso)), config, []);
}

async function build(t: TestContext, dir: string, clock: FakeClock, config: Partial<CronConfig>, started: Started[]): Promise<Harness> {
  const events: CronEvent[] = [];
  const h: Harness = {
    clock,
    dir,
    started,
    events,
    behaviour: async () => ({ status: "ok", summary: "done" }),
    cron: undefined as unknown as CronService,
    settle: async () => {
      await h.cron.whenIdle();
      await new Promise((r) => setImmediate(r));
    },
    advance: (ms) => clock.advance(ms, h.settle),
    advanceTo: (wallMs) => clock.advanceTo(wallMs, h.settle),
    reopen: async (next = config) => {
      await h.cron.stop();
      return build(t, dir, clock, next, started);
    },
  };
  h.cron = new CronService(
    {
      stateDir: dir,
      now: clock.now,
      timers: clock,
      log: quiet,
      config: () => ({ enabled: true, maxRunsPerJob: 200, catchUp: "once", ...config }),
      execute: (job, run) => {
        const s = { jobId: job.id, runId: run.runId, at: clock.now() };
        started.push(s);
        return h.behaviour(job, s);
      },
      check: () => undefined,
      deliver: async () => undefined,
      emit: (ev) => events.push(ev),
    },
    await openCronStore(dir),
  );
  await h.cron.start();
  t.after(() => h.cron.stop());
  return h;
}

/** An agent-turn job in its own session. */
export function job(schedule: CronAddParams["schedule"], extra: Partial<CronAddParams> = {}): CronAddParams {
  return { name: "test job", schedule, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "ping" }, ...extra };
}

/** ISO times of the runs of one job. */
export function runTimes(h: Harness, jobId?: string): string[] {
  return h.started.filter((s) => jobId === undefined || s.jobId === jobId).map((s) => new Date(s.at).toISOString());
}
