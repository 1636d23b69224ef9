import { Flags } from "@oclif/core";
import parseDuration from "parse-duration";
import type { CronAddParams, Params } from "@clawdbot/protocol";

type Patch = Params<"cron.update">["patch"];

/** Flags that describe a job; `cron add` needs a schedule and a message, `cron edit` takes any. */
export const jobFlags = {
  name: Flags.string({ description: "a name for the job (default: the start of the message)" }),
  cron: Flags.string({ description: 'cron expression, e.g. "0 8 * * *" (minute hour day month weekday)', exclusive: ["every", "at"] }),
  tz: Flags.string({ description: "IANA time zone of --cron, e.g. Europe/Berlin (default: the gateway host's)", dependsOn: ["cron"] }),
  every: Flags.string({ description: "run at this interval: 30s, 15m, 2h, 1d, 1h30m", exclusive: ["cron", "at"] }),
  at: Flags.string({ description: "run once at this time (ISO 8601, e.g. 2026-12-24T18:00; local time unless it names a zone)", exclusive: ["cron", "every"] }),
  message: Flags.string({ description: "what the agent is told when the job runs", exclusive: ["system-event"] }),
  "system-event": Flags.string({ description: "instead of an agent turn, note this text in the main session (the heartbeat acts on it)", exclusive: ["message"] }),
  deliver: Flags.boolean({ description: "send the agent's reply to --to through the channel", allowNo: true }),
  to: Flags.string({ description: "where --deliver sends the reply: telegram:<chat id>, whatsapp:+<number>, …" }),
  channel: Flags.string({ description: "channel of --to when it has no prefix" }),
  session: Flags.string({ description: "where the agent turn runs: isolated (its own session, default), main, or a session key" }),
  wake: Flags.string({ description: "for --system-event: act now or at the next heartbeat", options: ["now", "next-heartbeat"] }),
  "timeout-seconds": Flags.integer({ description: "give up on the agent turn after this long", min: 1 }),
  "catch-up": Flags.string({ description: "a run missed while the gateway was down: once (default) or skip", options: ["once", "skip"] }),
  "delete-after-run": Flags.boolean({ description: "remove the job after its first successful run", allowNo: true }),
};

export type JobFlagValues = {
  name?: string | undefined;
  cron?: string | undefined;
  tz?: string | undefined;
  every?: string | undefined;
  at?: string | undefined;
  message?: string | undefined;
  "system-event"?: string | undefined;
  deliver?: boolean | undefined;
  to?: string | undefined;
  channel?: string | undefined;
  session?: string | undefined;
  wake?: string | undefined;
  "timeout-seconds"?: number | undefined;
  "catch-up"?: string | undefined;
  "delete-after-run"?: boolean | undefined;
};

/** A flag value that cannot be used; the message says which flag and why. */
export class JobFlagError extends Error {}

/** The schedule the flags name, if any. */
export function scheduleFrom(f: JobFlagValues): CronAddParams["schedule"] | undefined {
  if (f.cron !== undefined) return { kind: "cron", expr: f.cron, ...(f.tz ? { tz: f.tz } : {}) };
  if (f.every !== undefined) return { kind: "every", everyMs: durationMs(f.every) };
  if (f.at !== undefined) {
    const atMs = Date.parse(f.at);
    if (Number.isNaN(atMs)) throw new JobFlagError(`--at ${f.at}: not a date and time (use ISO 8601, e.g. 2026-12-24T18:00)`);
    return { kind: "at", atMs };
  }
  return undefined;
}

function durationMs(text: string): number {
  const ms = /[a-z]/i.test(text) ? parseDuration(text) : null;
  if (ms === null || ms === undefined || !Number.isFinite(ms)) throw new JobFlagError(`--every ${text}: not a duration (e.g. 30s, 15m, 2h, 1d)`);
  if (ms < 1000) throw new JobFlagError(`--every ${text}: the shortest interval is 1s`);
  return Math.round(ms);
}

/** Where the flags put the job's turn. */
function sessionTarget(session: string | undefined): CronAddParams["sessionTarget"] | undefined {
  if (session === undefined) return undefined;
  if (session === "main" || session === "isolated") return session;
  return `session:${session}`;
}

/** The payload the flags describe, merged over `base` when editing. */
function payloadFrom(f: JobFlagValues, base?: CronAddParams["payload"]): CronAddParams["payload"] | undefined {
  if (f["system-event"] !== undefined) return { kind: "systemEvent", text: f["system-event"] };
  const turn = base?.kind === "agentTurn" ? base : undefined;
  const touched = f.message !== undefined || f.deliver !== undefined || f.to !== undefined || f.channel !== undefined || f["timeout-seconds"] !== undefined;
  if (!touched) return undefined;
  const message = f.message ?? turn?.message;
  if (message === undefined) throw new JobFlagError("--message is needed (what the agent is told when the job runs)");
  return {
    ...(turn ?? {}),
    kind: "agentTurn",
    message,
    ...(f.deliver !== undefined ? { deliver: f.deliver } : {}),
    ...(f.to !== undefined ? { to: f.to } : {}),
    ...(f.channel !== undefined ? { channel: f.channel } : {}),
    ...(f["timeout-seconds"] !== undefined ? { timeoutSeconds: f["timeout-seconds"] } : {}),
  };
}

/** `cron add`: the whole job. */
export function addParams(f: JobFlagValues): CronAddParams {
  const schedule = scheduleFrom(f);
  if (!schedule) throw new JobFlagError("say when: --cron \"0 8 * * *\" [--tz Europe/Berlin], --every 2h or --at 2026-12-24T18:00");
  const payload = payloadFrom(f);
  if (!payload) throw new JobFlagError("say what: --message <text> (an agent turn) or --system-event <text>");
  if (payload.kind === "agentTurn" && payload.deliver && !payload.to) throw new JobFlagError("--deliver needs --to (e.g. telegram:123456789)");
  const text = payload.kind === "agentTurn" ? payload.message : payload.text;
  return {
    name: f.name ?? (text.length > 40 ? `${text.slice(0, 39)}…` : text),
    schedule,
    sessionTarget: sessionTarget(f.session) ?? (payload.kind === "systemEvent" ? "main" : "isolated"),
    wakeMode: f.wake === "next-heartbeat" ? "next-heartbeat" : "now",
    payload,
    ...(f["catch-up"] ? { catchUp: f["catch-up"] as "once" | "skip" } : {}),
    ...(f["delete-after-run"] !== undefined ? { deleteAfterRun: f["delete-after-run"] } : {}),
  };
}

/** `cron edit`: only what the flags change (the payload merged over the job's own). */
export function editPatch(f: JobFlagValues, current: CronAddParams["payload"]): Patch {
  const schedule = scheduleFrom(f);
  const payload = payloadFrom(f, current);
  const target = sessionTarget(f.session);
  return {
    ...(f.name !== undefined ? { name: f.name } : {}),
    ...(schedule ? { schedule } : {}),
    ...(payload ? { payload } : {}),
    ...(target ? { sessionTarget: target } : {}),
    ...(f.wake ? { wakeMode: f.wake as "now" | "next-heartbeat" } : {}),
    ...(f["catch-up"] ? { catchUp: f["catch-up"] as "once" | "skip" } : {}),
    ...(f["delete-after-run"] !== undefined ? { deleteAfterRun: f["delete-after-run"] } : {}),
  };
}
