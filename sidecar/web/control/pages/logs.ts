// Logs: the gateway's own log lines as they are written (logs.tail after a cursor, asked again
// every second while the page is shown), filtered by level and text, paused, downloaded.

import { html, nothing, type TemplateResult } from "lit";
import type { Ctx, Page } from "../context.js";
import { card } from "../ui.js";
import { LEVELS as LOG_LEVELS, parseLogLine as readLogLine, type LevelName } from "../../../src/logging/line.js";

/** How often the page asks for new lines while it is shown. */
const POLL_MS = 1000;
/** Lines kept in the page; older ones drop off the top. */
const KEEP = 5000;

/** Level names in rank order, as people filter with them. */
const LEVELS = LOG_LEVELS.map((name, rank) => [name, rank] as const);

export interface LogLine {
  seq: number;
  raw: string;
  /** Rank in LEVELS (higher is more severe). */
  level: number;
  levelName: LevelName | "?";
  time: number | undefined;
  msg: string;
  /** The line's other fields as `key=value` text. */
  fields: string;
}

/** One line of the gateway's JSON log, read for display; a line that is not JSON is kept as text. */
export function parseLogLine(raw: string, seq: number): LogLine {
  const line = readLogLine(raw);
  if (!line) return { seq, raw, level: LOG_LEVELS.indexOf("info"), levelName: "?", time: undefined, msg: raw, fields: "" };
  // Older lines (pino's own shape) still carry these; they say nothing the columns do not.
  const { level, time, message, msg: _msg, pid: _pid, hostname: _host, ...rest } = line;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  const ms = Date.parse(time);
  return { seq, raw, level: LOG_LEVELS.indexOf(level), levelName: level, time: Number.isNaN(ms) ? undefined : ms, msg: message, fields };
}

export class LogsPage implements Page {
  readonly id = "logs";
  readonly title = "Logs";
  private lines: LogLine[] = [];
  private seq = 0;
  private cursor: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private shown = false;
  private inFlight = false;
  private error: string | undefined;
  private missed = false;
  private minLevel = 0;
  private search = "";
  /** While paused: the last line shown. */
  private pausedAt: number | undefined;

  constructor(private readonly ctx: Ctx) {}

  async refresh(): Promise<void> {
    this.shown = true;
    clearTimeout(this.timer);
    if (!this.ctx.can("logs.tail")) return;
    await this.fetch();
  }

  leave(): void {
    this.shown = false;
    clearTimeout(this.timer);
  }

  private async fetch(): Promise<void> {
    // One loop at a time, however often the page is opened or the connection comes back.
    if (this.inFlight) return;
    this.inFlight = true;
    let again = POLL_MS;
    try {
      const res = await this.ctx.client.call("logs.tail", { ...(this.cursor !== undefined ? { cursor: this.cursor } : {}), limit: 1000 });
      if (res.reset && this.cursor !== undefined) this.missed = true;
      this.cursor = res.cursor;
      for (const raw of res.lines) this.lines.push(parseLogLine(raw, ++this.seq));
      if (this.lines.length > KEEP) this.lines.splice(0, this.lines.length - KEEP);
      this.error = undefined;
      // More is waiting: ask at once.
      if (res.truncated) again = 0;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.inFlight = false;
    }
    this.ctx.update();
    clearTimeout(this.timer);
    if (this.shown && this.ctx.client.connected) this.timer = setTimeout(() => void this.fetch(), again);
  }

  /** The lines the filters let through, up to the pause point. */
  private visible(): LogLine[] {
    const q = this.search.toLowerCase();
    return this.lines.filter(
      (l) => l.level >= this.minLevel && (this.pausedAt === undefined || l.seq <= this.pausedAt) && (q === "" || l.raw.toLowerCase().includes(q)),
    );
  }

  view(): TemplateResult {
    if (!this.ctx.can("logs.tail")) {
      return html`<p class="muted">Logs need the <code>operator.admin</code> scope; this connection does not hold it.</p>`;
    }
    const shown = this.visible();
    const held = this.pausedAt === undefined ? 0 : this.lines.filter((l) => l.seq > this.pausedAt!).length;
    return html`${this.error ? html`<p role="alert" class="error">Could not read the log: ${this.error}</p>` : nothing}
      <form class="toolbar" aria-label="Log filters" @submit=${(e: Event) => e.preventDefault()}>
        <label class="field">Level
          <select name="level" @change=${(e: Event) => this.setLevel((e.target as HTMLSelectElement).value)}>
            <option value="0" ?selected=${this.minLevel === 0}>All levels</option>
            ${LEVELS.slice(1, 5).map(([name, n]) => html`<option value=${String(n)} ?selected=${this.minLevel === n}>${name} and above</option>`)}
          </select>
        </label>
        <label class="field">Search
          <input type="search" name="search" .value=${this.search} @input=${(e: Event) => this.setSearch((e.target as HTMLInputElement).value)}>
        </label>
        <button type="button" class="button secondary" aria-pressed=${String(this.pausedAt !== undefined)} @click=${() => this.togglePause()}>${this.pausedAt === undefined ? "Pause" : "Resume"}</button>
        <button type="button" class="button secondary" @click=${() => this.download(shown)}>Download</button>
      </form>
      ${this.missed ? html`<p class="muted small">Some lines were written faster than this page read them and are not shown.</p>` : nothing}
      ${held > 0 ? html`<p class="muted small" id="held">${held} new ${held === 1 ? "line" : "lines"} while paused.</p>` : nothing}
      ${card("log-title", `Gateway log (${shown.length} of ${this.lines.length} lines)`, html`<ol class="log-lines" role="log" aria-label="Gateway log" aria-live=${this.pausedAt === undefined ? "polite" : "off"}>
        ${shown.map(
          (l) => html`<li data-level=${l.levelName}>
            <time class="muted">${l.time !== undefined ? new Date(l.time).toLocaleTimeString() : ""}</time>
            <span class="level">${l.levelName}</span>
            <span class="msg">${l.msg}</span>
            ${l.fields ? html`<span class="fields muted">${l.fields}</span>` : nothing}
          </li>`,
        )}
      </ol>`)}`;
  }

  private setLevel(v: string): void {
    this.minLevel = Number(v) || 0;
    this.ctx.update();
  }

  private setSearch(v: string): void {
    this.search = v;
    this.ctx.update();
  }

  private togglePause(): void {
    this.pausedAt = this.pausedAt === undefined ? this.seq : undefined;
    this.ctx.update();
  }

  /** The lines shown, as the gateway wrote them (JSON lines), saved as a file. */
  private download(lines: LogLine[]): void {
    const blob = new Blob([lines.map((l) => `${l.raw}\n`).join("")], { type: "application/x-ndjson" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `clawdbot-gateway-${new Date(this.ctx.now()).toISOString().replace(/[:.]/g, "-")}.log`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  }
}
