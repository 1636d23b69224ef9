import type { Logger } from "pino";
import type { AgentRunner } from "../agent/runner.js";
import type { HeartbeatRunner } from "./heartbeat.js";
import type { SystemNotes } from "../sessions/system-notes.js";
import { MAIN_SESSION_KEY } from "../channels/router.js";

export interface WakerDeps {
  notes: SystemNotes;
  runner: Pick<AgentRunner, "start">;
  heartbeat: () => Pick<HeartbeatRunner, "beat">;
  log: Logger;
}

/**
 * `wake`: a system event for the main session, acted on now (a heartbeat at once) or at the next
 * heartbeat. A heartbeat with notes waiting gives them to the agent in one main-session turn.
 */
export class Waker {
  constructor(private readonly deps: WakerDeps) {}

  /** Notes the text; with mode "now" runs the heartbeat at once. Returns the notes still waiting. */
  wake(mode: "now" | "next-heartbeat", text: string): number {
    this.deps.notes.add(MAIN_SESSION_KEY, text);
    if (mode === "now") this.deps.heartbeat().beat("wake");
    return this.deps.notes.count(MAIN_SESSION_KEY);
  }

  /** Called on every heartbeat: waiting notes become one agent turn in the main session. */
  onHeartbeat(): void {
    const notes = this.deps.notes.drain(MAIN_SESSION_KEY);
    if (notes.length === 0) return;
    const run = this.deps.runner.start({ sessionKey: MAIN_SESSION_KEY, message: notes.map((n) => `System: ${n}`).join("\n"), channel: "heartbeat" });
    this.deps.log.info({ runId: run.runId, notes: notes.length }, "heartbeat turn for system events");
  }
}
