import { existsSync } from "node:fs";
import { chmod, lstat, readdir, statfs, unlink } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { delimiter, join } from "node:path";
import { ConfigError, loadConfigFile, resolveConfig, resolveStatePaths, type GatewayConfig } from "@clawdbot/sidecar/config";
import { instanceRecordPath, processAlive, readInstanceRecord } from "@clawdbot/sidecar/instance";
import { CHANNEL_MODULES } from "@clawdbot/sidecar/channels";

/** One thing doctor looked at. */
export interface Finding {
  check: string;
  status: "ok" | "warn" | "fail" | "fixed";
  message: string;
  /** The command (or edit) that fixes it. */
  fix?: string;
}

/** A finding `--fix` may repair by itself (permissions, stale lock): nothing is lost by doing it. */
export interface Repair {
  finding: Finding;
  apply: () => Promise<void>;
}

export interface DoctorContext {
  env: Readonly<Record<string, string | undefined>>;
  /** Free bytes below this are a warning; below a tenth of it, a failure. */
  minFreeBytes?: number;
}

const GATEWAY_SOCKET = "gateway.sock";

/** State dir 0700, and no file or folder below it readable by others (keys, tokens, credentials). */
export async function checkPermissions(stateDir: string): Promise<{ findings: Finding[]; repairs: Repair[] }> {
  const st = await lstat(stateDir).catch(() => undefined);
  if (!st) return { findings: [{ check: "state dir", status: "warn", message: `${stateDir} does not exist yet (created by the first \`clawdbot gateway\`)`, fix: "clawdbot gateway" }], repairs: [] };
  const loose: { path: string; dir: boolean; mode: number }[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const p = join(dir, name);
      const s = await lstat(p).catch(() => undefined);
      if (!s || s.isSymbolicLink() || s.isSocket()) continue;
      if ((s.mode & 0o077) !== 0) loose.push({ path: p, dir: s.isDirectory(), mode: s.mode & 0o777 });
      if (s.isDirectory() && depth < 6 && name !== "node_modules") await walk(p, depth + 1);
    }
  };
  if ((st.mode & 0o077) !== 0) loose.push({ path: stateDir, dir: true, mode: st.mode & 0o777 });
  await walk(stateDir, 0);
  if (loose.length === 0) return { findings: [{ check: "permissions", status: "ok", message: `${stateDir} and everything in it are private to this user` }], repairs: [] };
  const shown = loose.slice(0, 5).map((l) => `${l.path} (${l.mode.toString(8)})`).join(", ");
  const finding: Finding = {
    check: "permissions",
    status: "fail",
    message: `${loose.length} path(s) under the state dir are open to other users: ${shown}${loose.length > 5 ? ", …" : ""}`,
    fix: `clawdbot doctor --fix (or chmod 700 on folders and 600 on files under ${stateDir})`,
  };
  return {
    findings: [finding],
    repairs: [{ finding, apply: async () => { for (const l of loose) await chmod(l.path, l.dir ? 0o700 : 0o600); } }],
  };
}

/** The running instance (record + lock socket), or what a killed gateway left behind. */
export async function checkInstance(stateDir: string): Promise<{ findings: Finding[]; repairs: Repair[]; runningPort?: number }> {
  const record = readInstanceRecord(stateDir, { anyPid: true });
  const sock = join(stateDir, GATEWAY_SOCKET);
  const sockAnswers = existsSync(sock) ? await answers(sock) : undefined;
  const findings: Finding[] = [];
  const repairs: Repair[] = [];
  const alive = record !== undefined && processAlive(record.pid);
  if (record && alive) findings.push({ check: "instance", status: "ok", message: `a gateway runs (pid ${record.pid}) at ${record.websocketUrl}` });
  else if (record) {
    const finding: Finding = { check: "instance", status: "warn", message: `${instanceRecordPath(stateDir)} names pid ${record.pid}, which is gone (the gateway did not stop cleanly)`, fix: "clawdbot doctor --fix" };
    findings.push(finding);
    repairs.push({ finding, apply: () => unlink(instanceRecordPath(stateDir)) });
  } else findings.push({ check: "instance", status: "ok", message: "no gateway runs on this state dir" });
  if (sockAnswers === false) {
    const finding: Finding = { check: "lock", status: "warn", message: `stale lock ${sock}: nobody holds it (left by a killed gateway; the next start removes it too)`, fix: "clawdbot doctor --fix" };
    findings.push(finding);
    repairs.push({ finding, apply: () => unlink(sock) });
  } else findings.push({ check: "lock", status: "ok", message: sockAnswers ? `lock held by the running gateway (${sock})` : "no lock held" });
  return { findings, repairs, ...(alive && record ? { runningPort: record.port } : {}) };
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** The config file with every problem at once; the resolved config when it is valid. */
export async function checkConfig(env: DoctorContext["env"]): Promise<{ findings: Finding[]; config?: GatewayConfig }> {
  const paths = resolveStatePaths(env);
  try {
    const file = await loadConfigFile(paths.configPath, { required: Boolean(env["CLAWDBOT_CONFIG_PATH"]) });
    const config = resolveConfig(file.file, paths, env, {});
    const where = file.exists ? paths.configPath : `${paths.configPath} (absent: defaults)`;
    return { findings: [{ check: "config", status: "ok", message: `${where} is valid` }], config };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { findings: [{ check: "config", status: "fail", message: err.message.replace(/\n\s*/g, "; "), fix: `edit ${paths.configPath}, then \`clawdbot doctor\` again` }] };
  }
}

/** The gateway port is free, or held by this state dir's own gateway. */
export async function checkPort(config: GatewayConfig, runningPort: number | undefined): Promise<Finding> {
  const { host, port } = config;
  if (runningPort === port) return { check: "port", status: "ok", message: `${host}:${port} is ours (the running gateway)` };
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const srv = createServer();
    srv.once("error", (e: NodeJS.ErrnoException) => resolve(e));
    srv.listen(port, host, () => srv.close(() => resolve(null)));
  });
  if (!err) return { check: "port", status: "ok", message: `${host}:${port} is free` };
  if (err.code === "EADDRINUSE") {
    return { check: "port", status: "fail", message: `${host}:${port} is in use by another program`, fix: `stop it (\`ss -ltnp 'sport = :${port}'\` names it) or set gateway.port in the config` };
  }
  return { check: "port", status: "fail", message: `cannot bind ${host}:${port}: ${err.code ?? err.message}`, fix: "set gateway.bind to an address of this machine" };
}

/** A Chromium-family browser for canvas snapshots. */
export function checkChromium(env: DoctorContext["env"]): Finding {
  const names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
  const dirs = (env["PATH"] ?? "").split(delimiter).filter(Boolean);
  const mac = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome";
  for (const d of dirs) for (const n of names) if (existsSync(join(d, n))) return { check: "chromium", status: "ok", message: `${join(d, n)} (canvas snapshots)` };
  if (process.platform === "darwin" && existsSync(mac)) return { check: "chromium", status: "ok", message: `${mac} (canvas snapshots)` };
  return { check: "chromium", status: "warn", message: "no Chromium or Chrome on PATH: canvas snapshots are unavailable", fix: process.platform === "darwin" ? "brew install --cask chromium" : "sudo apt-get install chromium" };
}

/** Every configured channel account has what it needs to log in. */
export function checkChannels(config: GatewayConfig): Finding[] {
  const out: Finding[] = [];
  for (const m of CHANNEL_MODULES) {
    const ch = config.channels[m.id];
    if (!ch) continue;
    for (const account of Object.values(ch.accounts) as never[]) {
      const id = (account as { accountId: string }).accountId;
      const label = `${m.id}${id === "default" ? "" : ` (${id})`}`;
      if (m.id === "whatsapp") {
        const creds = join(config.paths.stateDir, "credentials", "whatsapp", id, "creds.json");
        out.push(existsSync(creds)
          ? { check: "channel", status: "ok", message: `${label}: linked (${creds})` }
          : { check: "channel", status: "warn", message: `${label}: not linked yet`, fix: `clawdbot channels login whatsapp${id === "default" ? "" : ` --account ${id}`}` });
        continue;
      }
      const secrets = (m.secrets as (a: never) => string[])(account);
      const needs = m.id === "telegram";
      if (needs && secrets.length === 0) out.push({ check: "channel", status: "fail", message: `${label}: no bot token`, fix: `set channels.${m.id}.botToken (or tokenFile, or TELEGRAM_BOT_TOKEN)` });
      else out.push({ check: "channel", status: "ok", message: `${label}: ${needs ? "bot token present" : "configured"}` });
    }
  }
  if (out.length === 0) out.push({ check: "channel", status: "ok", message: "no channels configured" });
  return out;
}

/** Free space where the state dir lives (transcripts, media, logs grow there). */
export async function checkDisk(stateDir: string, minFreeBytes = 500 * 1024 * 1024): Promise<Finding> {
  let dir = stateDir;
  while (!existsSync(dir) && dir !== "/") dir = join(dir, "..");
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MiB`;
  if (free < minFreeBytes / 10) return { check: "disk", status: "fail", message: `${mb(free)} free at ${dir}`, fix: "free disk space (old media under <stateDir>/media, rotated logs)" };
  if (free < minFreeBytes) return { check: "disk", status: "warn", message: `only ${mb(free)} free at ${dir}`, fix: "free disk space (old media under <stateDir>/media, rotated logs)" };
  return { check: "disk", status: "ok", message: `${mb(free)} free at ${dir}` };
}
