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
 * `wake`: a system event for a session (the main one by default), acted on now (a heartbeat at
 * once) or at the next heartbeat. A heartbeat gives each session with notes waiting one turn.
 */
export class Waker {
  constructor(private readonly deps: WakerDeps) {}

  /** Notes the text; with mode "now" runs the heartbeat at once. Returns the session's notes still waiting. */
  wake(mode: "now" | "next-heartbeat", text: string, sessionKey: string = MAIN_SESSION_KEY): number {
    this.deps.notes.add(sessionKey, text);
    if (mode === "now") this.deps.heartbeat().beat("wake");
    return this.deps.notes.count(sessionKey);
  }

  /** Called on every heartbeat: each session's waiting notes become one agent turn in it. */
  onHeartbeat(): void {
    for (const sessionKey of this.deps.notes.keys()) {
      const notes = this.deps.notes.drain(sessionKey);
      if (notes.length === 0) continue;
      const run = this.deps.runner.start({ sessionKey, message: notes.map((n) => `System: ${n}`).join("\n"), channel: "heartbeat" });
      this.deps.log.info({ runId: run.runId, sessionKey, notes: notes.length }, "heartbeat turn for system events");
    }
  }
}
