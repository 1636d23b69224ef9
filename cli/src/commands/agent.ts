import { Args, Flags } from "@oclif/core";
import { randomUUID } from "node:crypto";
import type { EventFrame, Result } from "@clawdbot/protocol";
import type { GatewayClient } from "@clawdbot/protocol/client";
import { GatewayCommand } from "../gateway-command.js";
import { CliError, usageError } from "../command.js";
import { connectionFlags } from "../gateway-link/flags.js";
import { Spinner } from "../terminal/spinner.js";
import { onInterrupt } from "../terminal/interrupt.js";

type AgentResult = Result<"agent">;

/** How long a Ctrl-C waits for the gateway to confirm the abort before exiting anyway. */
const ABORT_WAIT_MS = 3000;
/** The CLI waits this much longer than the run may take, so the gateway's AGENT_TIMEOUT (naming the setting) arrives first. */
const ANSWER_MARGIN_MS = 5000;
const CONNECT_TIMEOUT_MS = 10_000;

export default class Agent extends GatewayCommand {
  static override summary = "Ask the agent something; the reply streams to the terminal.";
  static override description = [
    "On a terminal a spinner shows the time waited until the first words arrive. Ctrl-C stops the run on the gateway",
    "(a command backend's whole process group is killed) and exits 130; a second Ctrl-C exits at once.",
    "Exit codes: 0 the agent answered, 6 the run timed out (the message names the setting), 7 the run failed (with the backend's cause).",
  ].join("\n");
  static override examples = ['<%= config.bin %> agent "what is on my calendar?"', '<%= config.bin %> agent "ping" --deliver --to telegram:123'];
  static override args = { message: Args.string({ required: true, description: "the message" }) };
  static override flags = {
    ...connectionFlags,
    timeout: Flags.integer({ description: "milliseconds the run may take (default: the gateway's agent.timeoutMs)", min: 1000 }),
    session: Flags.string({ description: "session key (default: main)" }),
    deliver: Flags.boolean({ description: "also send the reply out on a channel (needs --to)", default: false }),
    to: Flags.string({ description: "channel:chatId to deliver to" }),
    channel: Flags.string({ description: "channel to deliver on" }),
  };

  async run(): Promise<AgentResult> {
    const { args, flags } = await this.parse(Agent);
    if (flags.deliver && !flags.to) throw usageError("--deliver needs --to, the chat the reply goes to (e.g. --to telegram:123456)");
    if (flags.to && !flags.deliver) throw usageError("--to names where to deliver the reply; add --deliver (or drop --to)");
    const json = this.jsonEnabled();
    const stream = !json && process.stdout.isTTY !== false;
    const spinner = json ? undefined : new Spinner(process.stderr, "waiting for the agent…");
    let runId: string | undefined;
    let printed = 0;
    const onEvent = (ev: EventFrame) => {
      if (ev.event !== "agent") return;
      const p = ev.payload as { runId?: string; stream?: string; data?: { text?: string } };
      if (p.runId !== runId || p.stream !== "assistant" || typeof p.data?.text !== "string") return;
      spinner?.stop();
      if (!stream) return;
      process.stdout.write(p.data.text.slice(printed));
      printed = p.data.text.length;
    };
    const params = {
      message: args.message,
      idempotencyKey: randomUUID(),
      ...(flags.session ? { sessionKey: flags.session } : {}),
      ...(flags.deliver ? { deliver: true } : {}),
      ...(flags.to ? { to: flags.to } : {}),
      ...(flags.channel ? { channel: flags.channel } : {}),
      ...(flags.timeout !== undefined ? { timeout: Math.ceil(flags.timeout / 1000) } : {}),
    };
    const interrupt = onInterrupt();
    try {
      const result = await this.withGateway(
        { ...flags, timeout: flags.timeout ?? CONNECT_TIMEOUT_MS },
        async (c) => {
          spinner?.start();
          let accepted!: (id: string | undefined) => void;
          const acceptedId = new Promise<string | undefined>((r) => (accepted = r));
          const call = c.call("agent", params, {
            expectFinal: true,
            // Without --timeout the gateway's own limit decides; the CLI waits for its answer.
            timeoutMs: flags.timeout !== undefined ? flags.timeout + ANSWER_MARGIN_MS : 0,
            onAccepted: (p) => {
              runId = (p as { runId?: string }).runId;
              accepted(runId);
            },
          });
          call.catch(() => undefined);
          const first = await Promise.race([call, interrupt.signalled.then(() => "interrupted" as const)]);
          if (first !== "interrupted") return first;
          spinner?.stop();
          throw await this.abortRun(c, runId ?? (await within(acceptedId, ABORT_WAIT_MS)), flags.session ?? "main");
        },
        { onEvent, mode: "backend" },
      );
      spinner?.stop();
      const text = (result.result as { text?: string } | undefined)?.text ?? "";
      if (stream) process.stdout.write(text.slice(printed) + (text || printed ? "\n" : ""));
      else if (!json && text) this.log(text);
      if (result.status === "timeout") throw new CliError("AGENT_TIMEOUT", result.summary ?? "the agent run timed out");
      if (result.status === "aborted") throw new CliError("agent-aborted", `the agent run ${result.runId} was stopped on the gateway`);
      if (result.status !== "ok") throw new CliError("agent-failed", `the agent run failed: ${result.summary ?? "no reason given"}`);
      return result;
    } finally {
      spinner?.stop();
      interrupt.dispose();
    }
  }

  /** Ctrl-C: stop the run on the gateway (as WebChat's Stop does), then report it. */
  private async abortRun(c: GatewayClient, id: string | undefined, sessionKey: string): Promise<CliError> {
    if (id === undefined) return new CliError("interrupted", "interrupted before the gateway accepted the run");
    const res = await within(c.call("chat.abort", { sessionKey, runId: id }, { timeoutMs: ABORT_WAIT_MS }), ABORT_WAIT_MS).catch(() => undefined);
    const what = res?.aborted ? "stopped on the gateway" : res ? "had already finished" : "may still be running (the gateway did not confirm the abort)";
    return new CliError("interrupted", `interrupted: agent run ${id} ${what}`);
  }
}

/** The promise's value, or undefined once `ms` have passed. */
function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
