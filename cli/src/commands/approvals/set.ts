import { readFile } from "node:fs/promises";
import { Flags } from "@oclif/core";
import JSON5 from "json5";
import { check, ExecApprovalsFileSchema, formatIssues, type ExecApprovalsFile, type ExecApprovalsSnapshot } from "@clawdbot/protocol";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { resolveNode } from "../../gateway-link/node-target.js";
import { EXIT } from "../../gateway-link/exit-codes.js";
import { formatApprovals } from "../../format/approvals.js";

export default class ApprovalsSet extends GatewayCommand {
  static override summary = "Replace the exec approvals policy of the gateway or of a node.";
  static override description =
    "Reads a policy file (JSON or JSON5, `version: 1`), fetches the current hash and writes with it, so a change made meanwhile is refused instead of overwritten (pass --base-hash to pin the hash you reviewed).";
  static override examples = [
    "<%= config.bin %> approvals set --file ./exec-approvals.json",
    "<%= config.bin %> approvals set --node build-box --file ./node-policy.json5",
  ];
  static override flags = {
    ...connectionFlags,
    node: Flags.string({ description: "a node's policy (node id, unique id prefix or display name) instead of the gateway's" }),
    file: Flags.string({ description: "policy file to send (- reads standard input)", required: true }),
    "base-hash": Flags.string({ description: "hash the change was based on (default: the current one)" }),
  };

  async run(): Promise<ExecApprovalsSnapshot> {
    const { flags } = await this.parse(ApprovalsSet);
    const file = await this.readPolicy(flags.file);
    const node = flags.node;
    const snap = await this.withGateway(flags, async (c) => {
      if (node === undefined) {
        const baseHash = flags["base-hash"] ?? (await c.call("exec.approvals.get", {})).hash;
        return c.call("exec.approvals.set", { file, baseHash });
      }
      const nodeId = await resolveNode(c, node);
      const baseHash = flags["base-hash"] ?? (await c.call("exec.approvals.node.get", { nodeId })).hash;
      return c.call("exec.approvals.node.set", { nodeId, file, baseHash });
    });
    this.log(formatApprovals(snap, node === undefined ? "gateway" : `node ${node}`));
    return snap;
  }

  private async readPolicy(path: string): Promise<ExecApprovalsFile> {
    let text: string;
    try {
      text = path === "-" ? await readStdin() : await readFile(path, "utf8");
    } catch (err) {
      return this.failWith("usage", `cannot read --file ${path}: ${(err as Error).message}`, EXIT.usage);
    }
    let parsed: unknown;
    try {
      parsed = JSON5.parse(text);
    } catch (err) {
      return this.failWith("usage", `--file ${path} is not JSON or JSON5: ${(err as Error).message}`, EXIT.usage);
    }
    const res = check(ExecApprovalsFileSchema, parsed);
    if (!res.ok) return this.failWith("usage", `--file ${path} is not an exec approvals file: ${formatIssues(res.issues)}`, EXIT.usage);
    return res.value;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
