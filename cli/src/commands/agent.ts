import { Args, Flags } from "@oclif/core";
import { randomUUID } from "node:crypto";
import type { EventFrame, Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../gateway-command.js";
import { connectionFlags } from "../gateway-link/flags.js";
import { EXIT } from "../gateway-link/exit-codes.js";

export default class Agent extends GatewayCommand {
  static override summary = "Ask the agent something; the reply streams to the terminal.";
  static override examples = ['<%= config.bin %> agent "what is on my calendar?"', '<%= config.bin %> agent "ping" --deliver --to telegram:123'];
  static override args = { message: Args.string({ required: true, description: "the message" }) };
  static override flags = {
    ...connectionFlags,
    timeout: Flags.integer({ description: "milliseconds to wait for the reply", default: 600_000, min: 1 }),
    session: Flags.string({ description: "session key (default: main)" }),
    deliver: Flags.boolean({ description: "also send the reply out on a channel (needs --to)", default: false }),
    to: Flags.string({ description: "channel:chatId to deliver to" }),
    channel: Flags.string({ description: "channel to deliver on" }),
  };

  async run(): Promise<Result<"agent">> {
    const { args, flags } = await this.parse(Agent);
    let runId: string | undefined;
    let printed = 0;
    const stream = !this.jsonEnabled() && process.stdout.isTTY !== false;
    const onEvent = (ev: EventFrame) => {
      if (!stream || ev.event !== "agent") return;
      const p = ev.payload as { runId?: string; stream?: string; data?: { text?: string } };
      if (p.runId !== runId || p.stream !== "assistant" || typeof p.data?.text !== "string") return;
      process.stdout.write(p.data.text.slice(printed));
      printed = p.data.text.length;
    };
    const result = await this.withGateway(
      flags,
      (c) =>
        c.call(
          "agent",
          {
            message: args.message,
            idempotencyKey: randomUUID(),
            ...(flags.session ? { sessionKey: flags.session } : {}),
            ...(flags.deliver ? { deliver: true } : {}),
            ...(flags.to ? { to: flags.to } : {}),
            ...(flags.channel ? { channel: flags.channel } : {}),
          },
          { expectFinal: true, timeoutMs: flags.timeout, onAccepted: (p) => (runId = (p as { runId?: string }).runId) },
        ),
      { onEvent, mode: "backend" },
    );
    const text = (result.result as { text?: string } | undefined)?.text ?? "";
    if (stream) process.stdout.write(text.slice(printed) + "\n");
    else if (!this.jsonEnabled()) this.log(text);
    if (result.status !== "ok") this.failWith(result.status, `agent run ${result.status}: ${result.summary ?? ""}`, EXIT.requestFailed);
    return result;
  }
}
