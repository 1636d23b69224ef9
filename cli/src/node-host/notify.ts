import { execFile } from "node:child_process";
import { Type } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import { NodeCommandError } from "./errors.js";

const NotifyParams = Type.Object({
  title: Type.Optional(Type.String({ maxLength: 500 })),
  body: Type.Optional(Type.String({ maxLength: 5000 })),
  priority: Type.Optional(Type.String()),
});

/**
 * system.notify: a desktop notification through the platform's own tool — `notify-send` on
 * Linux, `osascript` on macOS; undefined (not offered) where neither is available. Text travels
 * as arguments, never through a shell.
 */
export function notifier(platform: NodeJS.Platform, which: (name: string) => string | undefined): ((params: unknown) => Promise<unknown>) | undefined {
  const tool = platform === "darwin" ? which("osascript") : platform === "linux" ? which("notify-send") : undefined;
  if (!tool) return undefined;
  return async (raw) => {
    const res = check(NotifyParams, raw ?? {});
    if (!res.ok) throw new NodeCommandError("INVALID_REQUEST", `system.notify needs {title?, body?}: ${formatIssues(res.issues)}`);
    const title = res.value.title || "Clawdbot";
    const body = res.value.body ?? "";
    const args =
      platform === "darwin"
        ? ["-e", "on run argv", "-e", "display notification (item 2 of argv) with title (item 1 of argv)", "-e", "end run", title, body]
        : [...(res.value.priority === "high" ? ["--urgency=critical"] : []), "--", title, body];
    await new Promise<void>((resolve, reject) =>
      execFile(tool, args, { timeout: 10_000 }, (err, _out, stderr) =>
        err ? reject(new NodeCommandError("UNAVAILABLE", `system.notify: ${tool} failed: ${String(stderr).trim() || err.message}`)) : resolve(),
      ),
    );
    return { ok: true };
  };
}
