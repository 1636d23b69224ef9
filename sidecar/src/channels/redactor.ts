import type { Logger } from "pino";

const MASK = "[redacted]";

/**
 * Hides configured secrets (bot tokens, passwords) wherever they would leak: provider errors
 * that quote a request URL, log fields, status. Secrets are matched as plain substrings.
 */
export class SecretRedactor {
  private secrets: string[] = [];

  /** Replaces the set of secrets (longest first, so one containing another is masked whole). */
  set(secrets: Iterable<string>): void {
    this.secrets = [...new Set([...secrets].filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  }

  /** The text with every secret masked. */
  text(s: string): string {
    let out = s;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  }

  /** A JSON-like value with every string masked (errors become {type, message, stack}). */
  value(v: unknown): unknown {
    if (typeof v === "string") return this.text(v);
    if (v instanceof Error) return { type: v.name, message: this.text(v.message), ...(v.stack ? { stack: this.text(v.stack) } : {}) };
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.value(x)]));
    return v;
  }

  /** A child logger whose fields pass through `value` (messages are fixed strings and stay). */
  logger(log: Logger, bindings: Record<string, string>): Logger {
    return log.child(bindings, { formatters: { log: (obj) => this.value(obj) as object } });
  }
}
