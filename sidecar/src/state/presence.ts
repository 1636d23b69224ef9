import type { PresenceEntry } from "@clawdbot/protocol";

/** The presence tag of a connection let in by the gateway secret alone (no device identity). */
export const SECRET_ONLY_TAG = "secret-only";

interface Row {
  entry: PresenceEntry;
  conns: Set<string>;
}

/** Long-lived clients and nodes keyed by device id (or instance id); one row per device even with several sockets. */
export class PresenceRegistry {
  private readonly rows = new Map<string, Row>();
  private changes = 0;

  constructor(private readonly self: PresenceEntry) {}

  /** Number of presence changes so far (stateVersion.presence). */
  get version(): number {
    return this.changes;
  }

  /** The gateway's own row first, then clients in connection order. */
  list(): PresenceEntry[] {
    return [this.self, ...[...this.rows.values()].map((r) => r.entry)];
  }

  /** Rows of clients and nodes (the gateway's own row not counted). */
  get size(): number {
    return this.rows.size;
  }

  /** Adds a connection to the row for `key`, merging roles; returns true (presence changed). */
  join(key: string, connId: string, entry: PresenceEntry): boolean {
    const row = this.rows.get(key);
    if (row) {
      row.conns.add(connId);
      const roles = mergeList(row.entry.roles, entry.roles);
      const scopes = mergeList(row.entry.scopes, entry.scopes);
      row.entry = { ...row.entry, ...entry, ...(roles ? { roles } : {}), ...(scopes ? { scopes } : {}) };
    } else {
      this.rows.set(key, { entry, conns: new Set([connId]) });
    }
    this.changes++;
    return true;
  }

  /** Removes a connection; the row goes when its last connection does. Returns whether presence changed. */
  leave(key: string, connId: string): boolean {
    const row = this.rows.get(key);
    if (!row || !row.conns.delete(connId)) return false;
    if (row.conns.size === 0) this.rows.delete(key);
    this.changes++;
    return true;
  }

  /** Updates fields of an existing row (system-event); returns whether it existed. */
  update(key: string, patch: Partial<PresenceEntry>): boolean {
    const row = this.rows.get(key);
    if (!row) return false;
    row.entry = { ...row.entry, ...patch };
    this.changes++;
    return true;
  }
}

function mergeList(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (!a && !b) return undefined;
  return [...new Set([...(a ?? []), ...(b ?? [])])];
}
