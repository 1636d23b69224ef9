import { accessSync, constants } from "node:fs";
import { NodeCommandError } from "./errors.js";
import type { NodeHostConfig } from "./config.js";
import { ProgramAllowlist } from "./program-allowlist.js";
import { SystemRunner } from "./system-run.js";
import { systemInfo } from "./system-info.js";
import { Canvas } from "./canvas.js";
import { loadDarwinDevice, type LeftOut } from "./darwin.js";
import { loadPermissionProbe, type PermissionProbe } from "../permissions/probe.js";
import { ExecPolicyFile } from "@clawdbot/sidecar/approvals";
import { NodeExecApprovals, type EnvelopeApproval } from "./exec-approvals.js";
import { notifier } from "./notify.js";
import { whichHandler } from "./which.js";

/** What the gateway's envelope adds to a request besides its params. */
export interface InvokeContext {
  approval?: EnvelopeApproval | undefined;
}

type Handler = (params: unknown, ctx: InvokeContext) => Promise<unknown>;

export interface CommandSetOptions {
  platform: NodeJS.Platform;
  config: NodeHostConfig;
  /** The node's environment: PATH for system.run, CHROMIUM_PATH for the canvas, the base env of programs. */
  env: Readonly<Record<string, string | undefined>>;
  /** The canvas host base URL once the gateway announced it. */
  canvasHostUrl: () => string | undefined;
  /** This node's exec approvals policy file. */
  policyPath: string;
  /** Loads playwright-core (an optional dependency). */
  loadPlaywright?: () => Promise<typeof import("playwright-core")>;
  /** macOS privacy permissions; default: node-mac-permissions on darwin, "not applicable" elsewhere. */
  permissions?: PermissionProbe;
}

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/** What this node can do on this machine, and the code that does it. Nothing is declared that cannot run here. */
export class CommandSet {
  private constructor(
    readonly caps: string[],
    readonly commands: string[],
    readonly permissions: Record<string, boolean>,
    /** Commands this machine could offer but does not (a permission or tool missing), with the reason. */
    readonly leftOut: readonly LeftOut[],
    private readonly handlers: ReadonlyMap<string, Handler>,
    private readonly runner: SystemRunner,
    private readonly canvas: Canvas | undefined,
  ) {}

  static async detect(o: CommandSetOptions): Promise<CommandSet> {
    const handlers = new Map<string, Handler>();
    const caps = ["system"];
    const permissions: Record<string, boolean> = {};
    handlers.set("system.info", async () => systemInfo());
    const allowlist = new ProgramAllowlist(o.config.systemRun.allow, o.env["PATH"] ?? "");
    const approvals = new NodeExecApprovals(new ExecPolicyFile(o.policyPath), Date.now);
    const runner = new SystemRunner({
      allowlist,
      timeoutMs: o.config.systemRun.timeoutMs,
      maxOutputBytes: o.config.systemRun.maxOutputBytes,
      baseEnv: o.env,
      envAllow: o.config.systemRun.envAllow,
      approvals,
    });
    // With nothing on the allowlist system.run could only refuse, so it is not offered.
    if (!allowlist.empty) {
      handlers.set("system.run", (p, ctx) => runner.run(p, ctx.approval));
      handlers.set("system.which", whichHandler((n) => allowlist.which(n)));
      handlers.set("system.execApprovals.get", (p) => approvals.get(p));
      handlers.set("system.execApprovals.set", (p) => approvals.set(p));
    }
    const notify = notifier(o.platform, (n) => allowlist.which(n));
    if (notify) handlers.set("system.notify", notify);
    const canvas = await detectCanvas(o);
    if (canvas) {
      caps.push("canvas");
      handlers.set("canvas.present", (p) => canvas.navigate(p, "canvas.present"));
      handlers.set("canvas.navigate", (p) => canvas.navigate(p));
      handlers.set("canvas.eval", (p) => canvas.eval(p));
      handlers.set("canvas.snapshot", (p) => canvas.snapshot(p));
      handlers.set("canvas.a2ui.push", (p) => canvas.a2uiPush(p));
    }
    const probe = o.permissions ?? (await loadPermissionProbe(o.platform));
    const mac = loadDarwinDevice(o.platform, (n) => allowlist.which(n), probe);
    if (mac) {
      caps.push(...mac.caps);
      Object.assign(permissions, mac.permissions);
      for (const [name, fn] of Object.entries(mac.handlers)) handlers.set(name, (p) => fn(p));
    }
    return new CommandSet(caps, [...handlers.keys()], permissions, mac?.leftOut ?? [], handlers, runner, canvas);
  }

  /** Runs one command; unknown commands are NOT_FOUND (the gateway should never have sent them). */
  run(command: string, params: unknown, ctx: InvokeContext = {}): Promise<unknown> {
    const fn = this.handlers.get(command);
    if (!fn) return Promise.reject(new NodeCommandError("NOT_FOUND", `this node does not offer ${command}; it offers ${this.commands.join(", ")}`));
    return fn(params, ctx);
  }

  /** Stops running programs and the canvas browser. */
  async close(): Promise<void> {
    this.runner.killAll();
    await this.canvas?.close();
  }
}

/** A canvas needs a Chromium (CHROMIUM_PATH or /usr/bin/chromium) and playwright-core. */
async function detectCanvas(o: CommandSetOptions): Promise<Canvas | undefined> {
  const executablePath = o.env["CHROMIUM_PATH"] || DEFAULT_CHROMIUM;
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    return undefined;
  }
  const load = o.loadPlaywright ?? (() => import("playwright-core"));
  try {
    await load();
  } catch {
    return undefined;
  }
  return new Canvas({ executablePath, loadPlaywright: load, canvasHostUrl: o.canvasHostUrl, timeoutMs: 30_000 });
}
