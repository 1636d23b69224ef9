import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flags } from "@oclif/core";
import type { Result } from "@clawdbot/protocol";
import { GatewayRequestError } from "@clawdbot/protocol/client";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { EXIT } from "../../gateway-link/exit-codes.js";
import { describeWrite } from "../../config-edit/key-path.js";

const EMPTY = "{\n  // See `clawdbot config get` and the README for the keys.\n}\n";

export default class ConfigEdit extends GatewayCommand {
  static override summary = "Edit the config file in $EDITOR; the gateway applies it if nobody changed it meanwhile.";
  static override description =
    "Secrets show as [redacted]; leave them so and they are kept. If the file changed while you edited, or your edit is not valid, nothing is written and your edit is kept in a file named in the error.";
  static override examples = ["<%= config.bin %> config edit", "EDITOR=nano <%= config.bin %> config edit --restart-delay 2000"];
  static override flags = { ...connectionFlags, "restart-delay": Flags.integer({ description: "if a change needs a restart, restart the gateway after this many ms", min: 0 }) };

  async run(): Promise<Result<"config.apply"> | { changed: [] }> {
    const { flags } = await this.parse(ConfigEdit);
    const current = await this.withGateway(flags, (c) => c.call("config.get"));
    if (current.exists && current.raw === null) {
      return this.failWith("INVALID_CONFIG", `${current.path} cannot be parsed (${current.issues.map((i) => i.message).join("; ")}); fix it in a text editor on the gateway host`, EXIT.requestFailed);
    }
    const before = current.raw ?? EMPTY;
    const dir = await mkdtemp(join(tmpdir(), "clawdbot-config-"));
    const file = join(dir, "clawdbot.json");
    await writeFile(file, before, { mode: 0o600 });
    try {
      await this.openEditor(file);
    } catch (err) {
      return this.failWith("error", (err as Error).message, EXIT.error);
    }
    const after = await readFile(file, "utf8");
    if (after === before) {
      await rm(dir, { recursive: true, force: true });
      this.log("no changes");
      return { changed: [] };
    }
    const res = await this.withGateway(flags, async (c) => {
      try {
        return await c.call("config.apply", {
          raw: after,
          ...(current.exists ? { baseHash: current.hash } : {}),
          ...(flags["restart-delay"] !== undefined ? { restartDelayMs: flags["restart-delay"] } : {}),
        });
      } catch (err) {
        if (err instanceof GatewayRequestError) return this.failWith(err.code, `${err.code}: ${err.message} (your edit is kept in ${file})`, EXIT.requestFailed);
        throw err;
      }
    });
    await rm(dir, { recursive: true, force: true });
    this.log(describeWrite(res));
    return res;
  }

  /** $VISUAL or $EDITOR (with its own arguments, through the shell), vi when neither is set. */
  private openEditor(file: string): Promise<void> {
    const editor = process.env["VISUAL"] || process.env["EDITOR"] || "vi";
    return new Promise((resolve, reject) => {
      const child = spawn("/bin/sh", ["-c", `${editor} "$1"`, "editor", file], { stdio: "inherit" });
      child.once("error", reject);
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${editor} exited with ${code}; nothing was written (your edit is in ${file})`))));
    });
  }
}
