import { watch, type FSWatcher } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Logger } from "pino";

export type WatchMode = "recursive" | "per-directory";

export interface CanvasWatcherOptions {
  /** The canvas root (`<stateDir>/canvas`); created when missing. */
  root: string;
  /** Called once per session some time after its files changed (null: a change of unknown session). */
  onChange: (session: string | null) => void;
  log: Logger;
  /** Changes within this window after the first one are reported together (default 100 ms). */
  debounceMs?: number;
  /**
   * `recursive`: one fs.watch(root, {recursive}) (native on macOS and Windows, built into node on
   * Linux since 20). `per-directory`: one watcher per folder, kept in step with the tree, for
   * platforms without recursive watching. Default: recursive when the platform has it.
   */
  mode?: WatchMode;
}

/** Watches the canvas root and reports which sessions changed; hidden names (temp files) are ignored. */
export class CanvasWatcher {
  private readonly root: string;
  private readonly debounceMs: number;
  private readonly pending = new Map<string | null, NodeJS.Timeout>();
  private readonly watchers = new Map<string, FSWatcher>();
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private active: WatchMode | undefined;

  constructor(private readonly opts: CanvasWatcherOptions) {
    this.root = opts.root;
    this.debounceMs = opts.debounceMs ?? 100;
  }

  /** The strategy in use once started. */
  get mode(): WatchMode | undefined {
    return this.active;
  }

  /** Starts watching; resolves once the watchers are in place. */
  async start(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    if (this.closed) return;
    if (this.opts.mode !== "per-directory" && this.watchRecursive()) return;
    this.active = "per-directory";
    await this.watchTree(this.root, false);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.restartTimer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  private watchRecursive(): boolean {
    let w: FSWatcher;
    try {
      w = watch(this.root, { recursive: true, persistent: false }, (_event, name) => this.changed(name === null ? null : String(name)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM") throw err;
      return false;
    }
    this.active = "recursive";
    this.track(this.root, w);
    return true;
  }

  /**
   * Per-directory mode: watches `dir` and every folder below it that is not watched yet. A folder
   * that appeared later (`fresh`) counts as changed once more when its watcher is in place, for
   * files written into it before that.
   */
  private async watchTree(dir: string, fresh: boolean): Promise<void> {
    if (this.closed) return;
    if (!this.watchers.has(dir)) {
      let w: FSWatcher;
      try {
        w = watch(dir, { persistent: false }, (_event, name) => this.dirChanged(dir, name === null ? null : String(name)));
      } catch {
        return; // removed meanwhile
      }
      this.track(dir, w);
      if (fresh) this.changed(relative(this.root, dir));
    }
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith(".")) await this.watchTree(join(dir, e.name), fresh);
  }

  private dirChanged(dir: string, name: string | null): void {
    this.changed(name === null ? relative(this.root, dir) || null : relative(this.root, join(dir, name)));
    // A new folder needs its own watcher; a removed one closes its watcher with an error.
    this.watchTree(dir, true).catch((err: unknown) => this.opts.log.warn({ err, dir }, "canvas watcher rescan failed"));
  }

  private track(dir: string, w: FSWatcher): void {
    this.watchers.set(dir, w);
    w.on("error", (err) => {
      w.close();
      if (this.watchers.get(dir) === w) this.watchers.delete(dir);
      if (dir === this.root) this.restart(err);
    });
  }

  /** The root itself went away (or its watcher failed): watch it again shortly. */
  private restart(err: Error): void {
    if (this.closed) return;
    this.opts.log.warn({ err, root: this.root }, "canvas watcher failed; restarting");
    this.close();
    this.closed = false;
    this.restartTimer = setTimeout(() => {
      this.start().catch((e: unknown) => this.restart(e as Error));
    }, 1000);
    this.restartTimer.unref();
  }

  /** `name` is relative to the root; its first segment is the session. */
  private changed(name: string | null): void {
    if (this.closed) return;
    const parts = name === null ? [] : name.split(sep).filter((p) => p !== "");
    if (parts.some((p) => p.startsWith("."))) return;
    const session = parts[0] ?? null;
    if (this.pending.has(session)) return;
    const timer = setTimeout(() => {
      this.pending.delete(session);
      if (!this.closed) this.opts.onChange(session);
    }, this.debounceMs);
    timer.unref();
    this.pending.set(session, timer);
  }
}
