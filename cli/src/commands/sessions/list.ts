import { Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatSessions } from "../../format/sessions.js";

export default class SessionsList extends GatewayCommand {
  static override summary = "List conversations, most recently active first.";
  static override examples = ["<%= config.bin %> sessions list", "<%= config.bin %> sessions list --active 60 --json", '<%= config.bin %> sessions list --search telegram'];
  static override flags = {
    ...connectionFlags,
    limit: Flags.integer({ description: "show at most this many", min: 1 }),
    active: Flags.integer({ description: "only sessions active in the last N minutes", min: 1 }),
    search: Flags.string({ description: "only sessions whose key, label or name contains this" }),
    label: Flags.string({ description: "only the session with this label" }),
  };

  async run(): Promise<Result<"sessions.list">> {
    const { flags } = await this.parse(SessionsList);
    const res = await this.withGateway(flags, (c) =>
      c.call("sessions.list", {
        includeLastMessage: true,
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        ...(flags.active !== undefined ? { activeMinutes: flags.active } : {}),
        ...(flags.search !== undefined ? { search: flags.search } : {}),
        ...(flags.label !== undefined ? { label: flags.label } : {}),
      }),
    );
    this.log(formatSessions(res));
    return res;
  }
}
