import { Args, Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { EXIT } from "../../gateway-link/exit-codes.js";
import { formatSession } from "../../format/sessions.js";

type Shown = { session: Result<"sessions.list">["sessions"][number]; messages: Result<"chat.history">["messages"] };

export default class SessionsShow extends GatewayCommand {
  static override summary = "Show one session: its settings and its latest messages.";
  static override examples = ["<%= config.bin %> sessions show main", "<%= config.bin %> sessions show agent:main:telegram:dm:42 --limit 50 --json"];
  static override args = { key: Args.string({ required: true, description: "session key (see `sessions list`)" }) };
  static override flags = { ...connectionFlags, limit: Flags.integer({ description: "messages to show", default: 20, min: 1, max: 1000 }) };

  async run(): Promise<Shown> {
    const { args, flags } = await this.parse(SessionsShow);
    const shown = await this.withGateway(flags, async (c) => {
      const list = await c.call("sessions.list", { search: args.key });
      const session = list.sessions.find((r) => r.key === args.key);
      if (!session) return undefined;
      const history = await c.call("chat.history", { sessionKey: args.key, limit: flags.limit });
      return { session, messages: history.messages };
    });
    if (!shown) return this.failWith("NOT_FOUND", `no session ${args.key}; see \`clawdbot sessions list\``, EXIT.requestFailed);
    this.log(formatSession(shown.session, shown.messages));
    return shown;
  }
}
