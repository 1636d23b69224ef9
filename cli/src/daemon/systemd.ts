import { dirname } from "node:path";
import { SYSTEMD_UNIT } from "./host.js";
import { installBasics, notInstalled, restartMarker, run, type Action, type Plan, type PlanContext, type ServiceSpec } from "./plan.js";
import { systemdExecutable, systemdPath, systemdWord } from "./quoting.js";
import { fillTemplate, readTemplate } from "./template.js";

export const UNIT_TEMPLATE = "clawdbot-gateway.service.template";

/** The user unit for `spec`: ExecStart and Environment words quoted, `%` and `$` escaped. */
export function renderUnit(ctx: PlanContext, spec: ServiceSpec): string {
  const [program = "", ...args] = spec.programArguments;
  const execStart = [systemdExecutable(program, "the Node.js binary"), ...args.map((a) => systemdWord(a, "argument", { dollars: true }))];
  const env = spec.environment.map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`, k, { dollars: false })}`);
  return fillTemplate(UNIT_TEMPLATE, readTemplate(ctx.host.templatesDir, UNIT_TEMPLATE), {
    EXEC_START: execStart.join(" "),
    WORKING_DIRECTORY: systemdPath(spec.workingDirectory, "the state dir"),
    ENVIRONMENT: env.join("\n"),
  });
}

/** What each daemon action does with `systemctl --user` / `journalctl --user`. */
export function systemdPlan(action: Action, ctx: PlanContext): Plan {
  const { paths, host } = ctx;
  const systemctl = (...args: string[]) => ["systemctl", "--user", ...args];
  const base = { platform: "linux" as const, action, notes: [] as string[] };
  const refusal = notInstalled(ctx, paths.unit);
  const guarded = refusal === undefined ? {} : { refusal };
  const linger = `to start at boot without logging in: loginctl enable-linger ${host.user}`;
  switch (action) {
    case "install": {
      const { steps, spec, notes } = installBasics(ctx);
      // enable --now does not restart a running unit: a second install restarts it onto the new file.
      const activate = ctx.facts.installed
        ? [restartMarker(ctx), run(systemctl("enable", SYSTEMD_UNIT)), run(systemctl("restart", SYSTEMD_UNIT))]
        : [run(systemctl("enable", "--now", SYSTEMD_UNIT))];
      return {
        ...base,
        steps: [
          ...steps,
          { kind: "mkdir", path: dirname(paths.unit), mode: 0o755 },
          { kind: "write", path: paths.unit, mode: 0o644, content: renderUnit(ctx, spec), secret: false },
          run(systemctl("daemon-reload")),
          ...activate,
        ],
        notes: [...notes, `restarts after a crash; logs go to the journal (clawdbot daemon logs)`, linger],
      };
    }
    case "uninstall":
      return {
        ...base,
        steps: [
          run(systemctl("disable", "--now", SYSTEMD_UNIT), { allowFailure: true }),
          { kind: "remove", path: paths.unit },
          { kind: "remove", path: paths.tokenFile },
          run(systemctl("daemon-reload")),
        ],
        notes: [`if you enabled lingering only for this: loginctl disable-linger ${host.user}`],
      };
    case "start":
    case "stop":
      return { ...base, ...guarded, steps: [run(systemctl(action, SYSTEMD_UNIT))] };
    case "restart":
      return { ...base, ...guarded, steps: [restartMarker(ctx), run(systemctl("restart", SYSTEMD_UNIT))] };
    case "status":
      // Exit 3 means "not running" and 4 "no such unit": both are answers, not failures.
      return { ...base, steps: [run(systemctl("status", "--no-pager", SYSTEMD_UNIT), { allowFailure: true, output: "show" })] };
    case "logs": {
      const argv = ["journalctl", "--user", "-u", "clawdbot-gateway", "-n", String(ctx.logs.lines), "--no-pager"];
      return { ...base, steps: [run(ctx.logs.follow ? [...argv, "-f"] : argv, { output: ctx.logs.follow ? "stream" : "show" })] };
    }
  }
}
