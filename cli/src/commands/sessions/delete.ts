import { Args, Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";

export default class SessionsDelete extends GatewayCommand {
  static override summary = "Remove a session (not main); its transcript is archived unless --delete-transcript.";
  static override examples = ["<%= config.bin %> sessions delete agent:main:telegram:dm:42", "<%= config.bin %> sessions delete old-chat --delete-transcript"];
  static override args = { key: Args.string({ required: true, description: "session key" }) };
  static override flags = { ...connectionFlags, "delete-transcript": Flags.boolean({ description: "delete the transcript for good instead of archiving it" }) };

  async run(): Promise<Result<"sessions.delete">> {
    const { args, flags } = await this.parse(SessionsDelete);
    const res = await this.withGateway(flags, (c) => c.call("sessions.delete", { key: args.key, ...(flags["delete-transcript"] ? { deleteTranscript: true } : {}) }));
    if (!res.deleted) this.log(`no session ${res.key}; nothing deleted`);
    else this.log(`deleted ${res.key}${res.archived.length > 0 ? `; transcript archived in ${res.archived.join(", ")}` : " and its transcript"}`);
    return res;
  }
}
