import { Flags } from "@oclif/core";
import { createInterface } from "node:readline/promises";
import { check, EVENTS } from "@clawdbot/protocol";
import type { EventFrame } from "@clawdbot/protocol";
import type { Static } from "@sinclair/typebox";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { formatPendingLine } from "../../format/pairing.js";
import { onInterrupt } from "../../terminal/interrupt.js";

type Requested = Static<(typeof EVENTS)["device.pair.requested"]>;

export default class PairWatch extends GatewayCommand {
  static override summary = "Print pairing requests as they arrive; on a terminal, ask to approve each.";
  static override description = "Runs until Ctrl-C (the first one stops it, also while a question is open) or until --count requests were seen.";
  static override flags = {
    ...connectionFlags,
    prompt: Flags.boolean({ description: "ask y/n for each request (default: when stdin is a TTY)", allowNo: true }),
    count: Flags.integer({ description: "stop after this many requests", min: 1 }),
  };

  async run(): Promise<Requested[]> {
    const { flags } = await this.parse(PairWatch);
    const prompt = flags.prompt ?? (process.stdin.isTTY === true && !this.jsonEnabled());
    const seen: Requested[] = [];
    const queue: Requested[] = [];
    let wake: (() => void) | undefined;
    const onEvent = (ev: EventFrame) => {
      if (ev.event !== "device.pair.requested") return;
      const res = check(EVENTS["device.pair.requested"], ev.payload);
      if (!res.ok) return;
      queue.push(res.value);
      wake?.();
    };
    const interrupt = onInterrupt();
    let stop = false;
    const stopped = interrupt.signalled.then(() => {
      stop = true;
      wake?.();
      return undefined;
    });
    try {
      await this.withGateway(
        { ...flags, timeout: flags.timeout },
        async (client) => {
          if (!this.jsonEnabled()) this.log("watching for pairing requests (Ctrl-C to stop)");
          const rl = prompt ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
          if (rl) interrupt.watch(rl);
          try {
            while (!stop && (flags.count === undefined || seen.length < flags.count)) {
              const next = queue.shift() ?? (await new Promise<void>((r) => (wake = r)).then(() => queue.shift()));
              if (!next) continue;
              seen.push(next);
              if (!this.jsonEnabled()) this.log(formatPendingLine(next));
              if (!rl) continue;
              const answer = await Promise.race([rl.question("approve? [y/N] "), stopped]);
              if (answer?.trim().toLowerCase().startsWith("y")) {
                await client.call("device.pair.approve", { requestId: next.requestId });
                this.log("approved");
              }
            }
          } finally {
            rl?.close();
          }
        },
        { onEvent, mode: "backend" },
      );
    } finally {
      interrupt.dispose();
    }
    return seen;
  }
}

