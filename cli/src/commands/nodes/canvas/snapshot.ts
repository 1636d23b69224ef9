import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Flags } from "@oclif/core";
import { GatewayCommand } from "../../../gateway-command.js";
import { connectionFlags } from "../../../gateway-link/flags.js";
import { invokeNode, nodeCommandFlags, resolveNode } from "../../../gateway-link/node-target.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Snapshot {
  nodeId: string;
  path: string;
  bytes: number;
  width: number;
  height: number;
}

export default class CanvasSnapshot extends GatewayCommand {
  static override summary = "Save a PNG of a node's canvas and print the file's path.";
  static override examples = ["<%= config.bin %> nodes canvas snapshot --node build-box --out canvas.png"];
  static override flags = {
    ...connectionFlags,
    ...nodeCommandFlags,
    out: Flags.string({ description: "where to write the PNG (default ./canvas-<node>-<time>.png)" }),
  };

  async run(): Promise<Snapshot> {
    const { flags } = await this.parse(CanvasSnapshot);
    const shot = await this.withGateway(flags, async (c) => {
      const nodeId = await resolveNode(c, flags.node);
      const { payload } = await invokeNode(c, nodeId, "canvas.snapshot", { format: "png" }, flags.timeout);
      return { nodeId, p: payload as { base64?: unknown; width?: unknown; height?: unknown } | undefined };
    });
    const png = typeof shot.p?.base64 === "string" ? Buffer.from(shot.p.base64, "base64") : Buffer.alloc(0);
    if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) this.failWith("UNAVAILABLE", "the node answered canvas.snapshot without a PNG");
    const path = resolve(flags.out ?? `canvas-${shot.nodeId.slice(0, 8)}-${new Date().toISOString().replace(/[:.]/g, "-")}.png`);
    await writeFile(path, png);
    this.log(path);
    return { nodeId: shot.nodeId, path, bytes: png.length, width: Number(shot.p?.width ?? 0), height: Number(shot.p?.height ?? 0) };
  }
}
