import { Flags } from "@oclif/core";
import { SessionKeySchema, check, type Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { usageError } from "../../failure.js";

export default class SystemEvent extends GatewayCommand {
  static override summary = "Give the agent a system event: noted for a session and acted on at the next heartbeat, or now.";
  static override description =
    "Calls the gateway's `wake` method. The text reaches the agent as a `System:` line in one heartbeat turn of the session (the main session unless --session-key names another), or along with that session's next turn when heartbeats are off.";
  static override examples = [
    '<%= config.bin %> system event --text "deploy finished"',
    '<%= config.bin %> system event --text "package at the door" --mode now',
    '<%= config.bin %> system event --text "build red" --session-key ops --json',
  ];
  static override flags = {
    ...connectionFlags,
    text: Flags.string({ required: true, description: "the event, as the agent should read it" }),
    mode: Flags.string({ options: ["now", "next-heartbeat"], default: "next-heartbeat", description: "run the heartbeat now, or leave the event for the next one" }),
    "session-key": Flags.string({ description: "the session that gets the event (default: the main session)" }),
  };

  async run(): Promise<Result<"wake">> {
    const { flags } = await this.parse(SystemEvent);
    const text = flags.text.trim();
    if (text === "") throw usageError('--text is empty; say what happened, e.g. --text "deploy finished"');
    const mode = flags.mode === "now" ? "now" : "next-heartbeat";
    const sessionKey = flags["session-key"];
    if (sessionKey !== undefined && !check(SessionKeySchema, sessionKey).ok) {
      throw usageError(`--session-key ${JSON.stringify(sessionKey)} is not a session key: letters, digits and : _ . @ + - only (see \`clawdbot sessions list\`)`);
    }
    const res = await this.withGateway(flags, (c) => c.call("wake", { mode, text, ...(sessionKey !== undefined ? { sessionKey } : {}) }));
    this.log(
      res.mode === "now"
        ? `heartbeat run now for session ${res.sessionKey}${res.pending > 0 ? ` (${res.pending} event(s) still waiting)` : ""}`
        : `queued for session ${res.sessionKey}: ${res.pending} event(s) waiting for the next heartbeat`,
    );
    return res;
  }
}
