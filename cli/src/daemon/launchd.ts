import { LAUNCHD_LABEL } from "./host.js";
import { installBasics, notInstalled, restartMarker, run, type Action, type Plan, type PlanContext, type ServiceSpec } from "./plan.js";
import { xmlText } from "./quoting.js";
import { fillTemplate, readTemplate } from "./template.js";

export const PLIST_TEMPLATE = "com.clawdbot.gateway.plist.template";

/** The LaunchAgent plist for `spec`, every value XML-escaped. */
export function renderPlist(ctx: PlanContext, spec: ServiceSpec): string {
  const { paths } = ctx;
  const args = spec.programArguments.map((a) => `    <string>${xmlText(a, "program argument")}</string>`);
  const env = spec.environment.map(([k, v]) => `    <key>${xmlText(k, "variable name")}</key>\n    <string>${xmlText(v, k)}</string>`);
  return fillTemplate(PLIST_TEMPLATE, readTemplate(ctx.host.templatesDir, PLIST_TEMPLATE), {
    LABEL: xmlText(LAUNCHD_LABEL, "label"),
    PROGRAM_ARGUMENTS: args.join("\n"),
    ENVIRONMENT_VARIABLES: env.join("\n"),
    WORKING_DIRECTORY: xmlText(spec.workingDirectory, "working directory"),
    STANDARD_OUT_PATH: xmlText(paths.stdoutLog, "log path"),
    STANDARD_ERROR_PATH: xmlText(paths.stderrLog, "log path"),
  });
}

/** What each daemon action does under launchd, for the user's GUI domain (`gui/<uid>`). */
export function launchdPlan(action: Action, ctx: PlanContext): Plan {
  const domain = `gui/${ctx.host.uid}`;
  const service = `${domain}/${LAUNCHD_LABEL}`;
  const { paths } = ctx;
  const base = { platform: "darwin" as const, action, notes: [] as string[] };
  const refusal = notInstalled(ctx, paths.plist);
  const guarded = refusal === undefined ? {} : { refusal };
  switch (action) {
    case "install": {
      const { steps, spec, notes } = installBasics(ctx);
      // A loaded agent keeps its old definition until booted out; the bootout fails harmlessly when none is loaded.
      const marker = ctx.facts.installed ? [restartMarker(ctx)] : [];
      return {
        ...base,
        steps: [
          ...steps,
          { kind: "mkdir", path: paths.logDir, mode: 0o755 },
          { kind: "write", path: paths.plist, mode: 0o644, content: renderPlist(ctx, spec), secret: false },
          ...marker,
          run(["launchctl", "bootout", service], { allowFailure: true }),
          run(["launchctl", "bootstrap", domain, paths.plist]),
        ],
        notes: [...notes, `starts at login (RunAtLoad) and restarts after a crash; logs go to ${paths.logDir}`],
      };
    }
    case "uninstall":
      return {
        ...base,
        steps: [run(["launchctl", "bootout", service], { allowFailure: true }), { kind: "remove", path: paths.plist }, { kind: "remove", path: paths.tokenFile }],
        notes: [`logs stay in ${paths.logDir}`],
      };
    case "start":
      return { ...base, ...guarded, steps: [run(["launchctl", "kickstart", service])] };
    case "stop":
      return {
        ...base,
        ...guarded,
        steps: [run(["launchctl", "kill", "SIGTERM", service])],
        notes: ["a clean exit is not restarted (KeepAlive SuccessfulExit=false); it starts again at next login or with `clawdbot daemon start`"],
      };
    case "restart":
      return { ...base, ...guarded, steps: [restartMarker(ctx), run(["launchctl", "kickstart", "-k", service])] };
    case "status":
      return { ...base, steps: [run(["launchctl", "print", service], { allowFailure: true, output: "show" })] };
    case "logs":
      return launchdLogs(ctx, base);
  }
}

function launchdLogs(ctx: PlanContext, base: Omit<Plan, "steps">): Plan {
  const { paths, logs } = ctx;
  if (logs.follow) return { ...base, steps: [run(["tail", "-n", String(logs.lines), "-F", paths.stdoutLog, paths.stderrLog], { output: "stream" })] };
  if (ctx.facts.logs.length === 0) return { ...base, steps: [], notes: [`no logs yet in ${paths.logDir}`] };
  return { ...base, steps: [run(["tail", "-n", String(logs.lines), ...ctx.facts.logs], { output: "show" })] };
}
