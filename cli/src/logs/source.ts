import { spawn } from "node:child_process";
import { open, stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { servicePaths, type DaemonHost } from "../daemon/index.js";

/** Where `clawdbot logs` reads from: the gateway's log file, or the service manager's log when the file is off. */
export type LogSource = { kind: "file"; path: string } | { kind: "command"; argv: string[]; describe: string };

/** The journal (systemd --user) or the LaunchAgent's log files, as `clawdbot daemon install` set them up. */
export function serviceLogSource(host: DaemonHost, lines: number, follow: boolean): LogSource {
  if (host.platform === "darwin") {
    const p = servicePaths(host);
    return { kind: "command", argv: ["tail", "-n", String(lines), ...(follow ? ["-F"] : []), p.stdoutLog, p.stderrLog], describe: p.logDir };
  }
  return {
    kind: "command",
    argv: ["journalctl", "--user", "-u", "clawdbot-gateway", "-o", "cat", "-n", String(lines), "--no-pager", ...(follow ? ["-f"] : [])],
    describe: "the journal (journalctl --user -u clawdbot-gateway)",
  };
}

const TAIL_CHUNK = 1024 * 1024;

/** The last `count` lines of a file (read from its end, not the whole file). */
export async function lastLines(path: string, count: number): Promise<{ lines: string[]; end: number }> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    const from = Math.max(0, size - TAIL_CHUNK);
    const buf = Buffer.alloc(size - from);
    await fh.read(buf, 0, buf.length, from);
    let text = buf.toString("utf8");
    // A partial first line (we started mid-file) is dropped.
    if (from > 0) text = text.slice(text.indexOf("\n") + 1);
    const lines = text.split("\n").filter((l) => l !== "");
    return { lines: lines.slice(-count), end: size };
  } finally {
    await fh.close();
  }
}

/**
 * Calls `onLine` for each line appended to `path` after byte `from`, until `signal` aborts. Follows
 * rotation: when the file is replaced or shrinks, reading starts again at the new file's beginning.
 */
export async function followFile(path: string, from: number, onLine: (line: string) => void, signal: AbortSignal, pollMs = 250): Promise<void> {
  let pos = from;
  let ino = (await stat(path).catch(() => undefined))?.ino;
  let rest = "";
  while (!signal.aborted) {
    const st = await stat(path).catch(() => undefined);
    if (st && (st.ino !== ino || st.size < pos)) {
      ino = st.ino;
      pos = 0;
      rest = "";
    }
    if (st && st.size > pos) {
      const fh = await open(path, "r");
      try {
        const buf = Buffer.alloc(st.size - pos);
        await fh.read(buf, 0, buf.length, pos);
        pos = st.size;
        const parts = (rest + buf.toString("utf8")).split("\n");
        rest = parts.pop() ?? "";
        for (const line of parts) if (line !== "") onLine(line);
      } finally {
        await fh.close();
      }
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, pollMs);
      signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  }
}

/** Runs journalctl / tail and hands over each line; resolves with its exit code (or rejects when it cannot start). */
export function commandLines(argv: readonly string[], onLine: (line: string) => void, signal: AbortSignal): Promise<{ code: number | null; stderr: string }> {
  const [file = "", ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-2000)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line !== "") onLine(line);
    });
    const stop = () => child.kill("SIGTERM");
    signal.addEventListener("abort", stop, { once: true });
    child.once("error", (err) => reject(new Error(`cannot run ${file}: ${err.message}`)));
    child.once("close", (code) => {
      signal.removeEventListener("abort", stop);
      resolve({ code, stderr });
    });
  });
}
