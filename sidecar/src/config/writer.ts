import { readFile } from "node:fs/promises";
import JSON5 from "json5";
import type { Result } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { GatewayError } from "../errors.js";
import { writeFileAtomic } from "../store/atomic-file.js";
import { ConfigError } from "./errors.js";
import { checkConfigText, configHash, type ConfigIssue, type LoadedConfigFile } from "./load.js";
import { REDACTED, redactedConfig, type GatewayConfig } from "./resolve.js";
import type { ConfigFile } from "./schema.js";
import { RedactedValueError, redactText, restoreSecrets, restoreSecretsInText, secretsOf } from "./secrets.js";
import { mergePatchText } from "./patch-text.js";
import { changedPaths, isPlainObject, leaves } from "./key-paths.js";
import type { ReloadPlan } from "./reload-plan.js";

type WriteResult = Result<"config.set">;

export interface ConfigWriterDeps {
  path: string;
  log: Logger;
  /** Turns a file into the effective config (this process's env and flags applied); throws ConfigError. */
  resolve: ((file: ConfigFile) => GatewayConfig) | undefined;
  /** Applies a written config the way SIGHUP does; says what took effect. */
  apply: (next: GatewayConfig, file: LoadedConfigFile) => ReloadPlan;
  /** Schedules a restart; answers whether one will happen. */
  restart: (delayMs: number, reason: string) => { scheduled: boolean; reason?: string };
  /** The file the gateway runs with now. */
  running: () => LoadedConfigFile;
  /** Tells a session what a write did (`sessionKey` of config.patch/apply). */
  notify: (sessionKey: string, text: string) => Promise<void>;
}

export interface WriteRequest {
  kind: "set" | "patch" | "apply";
  raw: string;
  baseHash?: string | undefined;
  note?: string | undefined;
  restartDelayMs?: number | undefined;
  sessionKey?: string | undefined;
}

interface OnDisk {
  exists: boolean;
  text: string;
  hash: string;
}

/**
 * Live configuration: reads the file as it is on disk (secrets redacted), and writes it only when
 * the caller saw the current version (`baseHash`), validated against the schema and the gateway's
 * own rules, atomically, then applied like SIGHUP. One write at a time.
 */
export class ConfigWriter {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ConfigWriterDeps) {}

  async get(): Promise<Result<"config.get">> {
    const { path } = this.deps;
    const disk = await this.read();
    if (!disk.exists) return { path, exists: false, hash: "", raw: null, parsed: null, valid: true, config: {}, issues: [], warnings: [] };
    const warnings: ConfigIssue[] = [];
    if (disk.hash !== this.deps.running().hash) {
      warnings.push({ path: "(file)", message: "the file differs from the configuration the gateway runs with (changed since it was loaded, and not applied)" });
    }
    const checked = checkConfigText(disk.text);
    if (!checked.ok) {
      // Unparseable text could hold a secret anywhere: it is not shown.
      const loose = looseParse(disk.text);
      const raw = loose === undefined ? null : redactText(disk.text, loose as ConfigFile);
      const parsed = loose === undefined ? null : redactedConfig(loose as ConfigFile);
      return { path, exists: true, hash: disk.hash, raw, parsed, valid: false, config: parsed ?? {}, issues: checked.issues, warnings };
    }
    const issues = this.resolveIssues(checked.file);
    const redacted = redactedConfig(checked.file);
    return { path, exists: true, hash: disk.hash, raw: redactText(disk.text, checked.file), parsed: redacted, valid: issues.length === 0, config: redacted, issues, warnings };
  }

  /** config.set / config.patch / config.apply. */
  write(req: WriteRequest): Promise<WriteResult> {
    const run = () => this.doWrite(req);
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doWrite(req: WriteRequest): Promise<WriteResult> {
    const { path } = this.deps;
    const resolve = this.deps.resolve;
    if (!resolve) throw new GatewayError("unavailable", "this gateway was started without a way to re-read its configuration; edit the file and restart it");
    const disk = await this.read();
    this.guard(disk, req.baseHash);
    const current = disk.exists ? checkConfigText(disk.text) : ({ ok: true, file: {} } as const);
    const warnings: string[] = [];
    const text = req.kind === "patch" ? this.patched(disk, current, req.raw, warnings) : this.replaced(current, req.raw, warnings);

    const checked = checkConfigText(text);
    if (!checked.ok) {
      const { message } = ConfigError.all(path, checked.issues.map((i) => i.message));
      throw new GatewayError("params_invalid", message, { details: { file: path, issues: checked.issues } });
    }
    let next: GatewayConfig;
    try {
      next = resolve(checked.file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new GatewayError("params_invalid", `${path}: ${err.message}`, { details: { file: path, issues: [{ path: issuePath(err.message), message: err.message }] } });
    }
    const hash = configHash(text);
    if (!disk.exists || text !== disk.text) await writeFileAtomic(path, text, 0o600);
    const plan = this.deps.apply(next, { path, exists: true, hash, file: checked.file });
    const restart = this.restartFor(plan, req);
    this.deps.log.info({ path, kind: req.kind, changed: plan.changed, restartRequired: plan.restart, restart, note: req.note }, "config written");
    if (req.sessionKey) await this.tell(req.sessionKey, plan, restart, req.note);
    // What this write changed in the file; what took effect is measured against the running config.
    const changed = changedPaths(current.ok ? current.file : {}, checked.file);
    return { ok: true, path, hash, config: redactedConfig(checked.file), changed, live: plan.live, restartRequired: plan.restart, restart, warnings };
  }

  /** Refuses a write made against another version of the file (or blind, while a file exists). */
  private guard(disk: OnDisk, baseHash: string | undefined): void {
    if (baseHash === undefined) {
      if (disk.exists) {
        throw new GatewayError("config_conflict", `${this.deps.path} exists: pass baseHash (the hash config.get answered) so a change made meanwhile is not overwritten`, {
          details: { currentHash: disk.hash },
        });
      }
      return;
    }
    if (baseHash !== disk.hash) {
      throw new GatewayError("config_conflict", `${this.deps.path} changed since you read it; read it again (config.get) and redo your change`, {
        details: { currentHash: disk.hash },
      });
    }
  }

  /** The file after a merge patch; markers for stored secrets mean "leave it". */
  private patched(disk: OnDisk, current: ReturnType<typeof checkConfigText>, raw: string, warnings: string[]): string {
    if (!current.ok) {
      const first = current.issues[0]!;
      throw new GatewayError("params_invalid", `${this.deps.path} is not valid now (${first.message}); replace it with config.set or config.apply`);
    }
    const patch = parseRaw(raw);
    if (!isPlainObject(patch)) throw new GatewayError("params_invalid", "config.patch raw must be a JSON object (a merge patch: null removes a key)");
    const stored = new Set(secretsOf(current.file).map((s) => s.path.join(".")));
    for (const [p, v] of leaves(patch)) {
      if (v !== REDACTED) continue;
      if (!stored.has(p.join("."))) throw new GatewayError("params_invalid", new RedactedValueError(p.join(".")).message);
      dropPath(patch, p);
    }
    const { text, preserved } = mergePatchText(disk.exists ? disk.text : "", patch);
    if (!preserved) warnings.push("comments and layout were not kept: the file uses JSON5 syntax (unquoted keys, single quotes) that cannot be edited in place");
    return text;
  }

  /** The whole new file; stored secrets come back where the caller left the redaction marker. */
  private replaced(current: ReturnType<typeof checkConfigText>, raw: string, warnings: string[]): string {
    const parsed = parseRaw(raw);
    const base = current.ok ? current.file : {};
    let restored: ReturnType<typeof restoreSecrets>;
    try {
      restored = restoreSecrets(parsed, base);
    } catch (err) {
      if (err instanceof RedactedValueError) throw new GatewayError("params_invalid", err.message);
      throw err;
    }
    if (restored.restored.length === 0) return raw;
    const text = restoreSecretsInText(raw, restored.restored);
    if (text !== undefined) return text;
    warnings.push("comments and layout were not kept: the redaction markers could not be matched to their keys in the text");
    return `${JSON.stringify(restored.value, null, 2)}\n`;
  }

  private restartFor(plan: ReloadPlan, req: WriteRequest): WriteResult["restart"] {
    if (plan.restart.length === 0) return { scheduled: false };
    if (req.restartDelayMs === undefined) return { scheduled: false, reason: `restart the gateway to apply ${plan.restart.join(", ")} (or pass restartDelayMs)` };
    const r = this.deps.restart(req.restartDelayMs, req.note ?? `config.${req.kind}: ${plan.restart.join(", ")}`);
    return { scheduled: r.scheduled, ...(r.scheduled ? { delayMs: req.restartDelayMs } : {}), ...(r.reason ? { reason: r.reason } : {}) };
  }

  private async tell(sessionKey: string, plan: ReloadPlan, restart: WriteResult["restart"], note: string | undefined): Promise<void> {
    const parts = [
      `Configuration changed${note ? ` (${note})` : ""}.`,
      plan.live.length > 0 ? `Applied now: ${plan.live.join(", ")}.` : "",
      plan.restart.length > 0 ? `After a restart: ${plan.restart.join(", ")}${restart.scheduled ? ` (restarting in ${restart.delayMs ?? 0} ms)` : ""}.` : "",
    ];
    await this.deps.notify(sessionKey, parts.filter(Boolean).join(" ")).catch((err: unknown) => this.deps.log.warn({ err, sessionKey }, "config change note not written"));
  }

  /** Problems the schema cannot see (a LAN bind without a secret, a channel without its token). */
  private resolveIssues(file: ConfigFile): ConfigIssue[] {
    if (!this.deps.resolve) return [];
    try {
      this.deps.resolve(file);
      return [];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return [{ path: issuePath(err.message), message: err.message }];
    }
  }

  private async read(): Promise<OnDisk> {
    try {
      const text = await readFile(this.deps.path, "utf8");
      return { exists: true, text, hash: configHash(text) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { exists: false, text: "", hash: "" };
      throw new GatewayError("unavailable", `cannot read ${this.deps.path}: ${(err as Error).message}`);
    }
  }
}

function parseRaw(raw: string): unknown {
  try {
    return JSON5.parse(raw);
  } catch (err) {
    throw new GatewayError("params_invalid", `raw is not valid JSON5: ${(err as Error).message}`);
  }
}

function looseParse(text: string): unknown {
  try {
    const v: unknown = JSON5.parse(text);
    return isPlainObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The key path a ConfigError message starts with (`channels.telegram: …`), else the whole config. */
function issuePath(message: string): string {
  return /^([A-Za-z][\w]*(?:\.[A-Za-z][\w]*)*):\s/.exec(message)?.[1] ?? "(config)";
}

/** Removes a key from a patch, and parents it leaves empty. */
function dropPath(obj: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    delete obj[head];
    return;
  }
  const child = obj[head];
  if (!isPlainObject(child)) return;
  dropPath(child, rest);
  if (Object.keys(child).length === 0) delete obj[head];
}
