import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayCommand } from "../../../../gateway-command.js";
import { connectionFlags } from "../../../../gateway-link/flags.js";
import { nodeCommandFlags, resolveNode } from "../../../../gateway-link/node-target.js";
import { formatPayload } from "../../../../format/nodes.js";

export default class CanvasA2uiPush extends GatewayCommand {
  static override summary = "Push A2UI messages (one JSON object per line) to a node's canvas.";
  static override examples = ["<%= config.bin %> nodes canvas a2ui push --node build-box --file msgs.jsonl"];
  static override flags = {
    ...connectionFlags,
    ...nodeCommandFlags,
    file: Flags.string({ required: true, description: "JSONL file: one A2UI message per line (blank lines skipped)" }),
  };

  async run(): Promise<Result<"canvas.a2ui.push">> {
    const { flags } = await this.parse(CanvasA2uiPush);
    const messages = await this.readMessages(flags.file);
    const res = await this.withGateway(flags, async (c) =>
      c.call(
        "canvas.a2ui.push",
        { nodeId: await resolveNode(c, flags.node), messages, timeoutMs: flags.timeout, idempotencyKey: randomUUID() },
        { timeoutMs: flags.timeout + 5_000 },
      ),
    );
    this.log(`pushed ${messages.length} message${messages.length === 1 ? "" : "s"}${res.payload !== undefined ? `\n${formatPayload(res.payload)}` : ""}`);
    return res;
  }

  private async readMessages(file: string): Promise<unknown[]> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      return this.failWith("usage", `cannot read ${file}: ${(err as Error).message}`);
    }
    const messages: unknown[] = [];
    for (const [i, line] of text.split("\n").entries()) {
      if (line.trim() === "") continue;
      try {
        messages.push(JSON.parse(line));
      } catch (err) {
        return this.failWith("usage", `${file}:${i + 1} is not JSON: ${(err as Error).message}`);
      }
    }
    if (messages.length === 0) return this.failWith("usage", `${file} holds no messages`);
    return messages;
  }
}
