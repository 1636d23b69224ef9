import { Flags, type Interfaces } from "@oclif/core";
import { GatewayCommand } from "../gateway-command.js";
import { runDaemonAction, type DaemonResult } from "./actions.js";
import { DaemonError } from "./errors.js";
import { formatApplied, formatDryRun } from "./format.js";
import { currentHost, PLATFORMS, supportedPlatform } from "./host.js";
import type { Action, InstallOptions, LogOptions } from "./plan.js";
import { execRunner } from "./runner.js";

/** Flags every `clawdbot daemon` subcommand takes. */
export const daemonFlags = {
  "dry-run": Flags.boolean({ description: "print every file that would be written and every command that would run; change nothing", default: false }),
  platform: Flags.string({
    description: "launchd (darwin) or systemd --user (linux); default: this machine's. Another platform than this one needs --dry-run",
    options: [...PLATFORMS],
  }),
};

/** Base of the daemon subcommands: builds the host, plans, then prints or applies. Errors are one line. */
export abstract class DaemonCommand extends GatewayCommand {
  protected override async catch(err: Interfaces.CommandError): Promise<unknown> {
    if (err instanceof DaemonError) return this.failWith(err.code, err.message);
    return super.catch(err);
  }

  protected async daemon(
    action: Action,
    flags: { "dry-run": boolean; platform?: string | undefined },
    extra: { install?: InstallOptions; logs?: LogOptions } = {},
  ): Promise<DaemonResult> {
    const platform = supportedPlatform(flags.platform ?? process.platform);
    const dryRun = flags["dry-run"];
    if (!dryRun && platform !== process.platform) {
      throw new DaemonError("wrong-platform", `cannot manage a ${platform} service on ${process.platform}; add --dry-run to see what it would do`);
    }
    const host = currentHost(process.env, platform);
    const { plan, result } = await runDaemonAction({ action, host, dryRun, runner: execRunner, ...extra });
    const text = dryRun ? formatDryRun(plan) : formatApplied(result);
    if (text !== "") this.log(text);
    return result;
  }
}
