const MAX_PER_SESSION = 20;

/**
 * System notes waiting for a session (`wake`, cron system events): the heartbeat turns them into
 * an agent turn, and any earlier turn of that session takes them along. Kept in memory, like the
 * heartbeat itself; the oldest are dropped past a small bound.
 */
export class SystemNotes {
  private readonly pending = new Map<string, string[]>();

  add(sessionKey: string, text: string): void {
    const list = this.pending.get(sessionKey) ?? [];
    list.push(text);
    if (list.length > MAX_PER_SESSION) list.splice(0, list.length - MAX_PER_SESSION);
    this.pending.set(sessionKey, list);
  }

  /** Takes every note waiting for the session. */
  drain(sessionKey: string): string[] {
    const list = this.pending.get(sessionKey) ?? [];
    this.pending.delete(sessionKey);
    return list;
  }

  /** Sessions with notes waiting. */
  keys(): string[] {
    return [...this.pending.keys()];
  }

  count(sessionKey: string): number {
    return this.pending.get(sessionKey)?.length ?? 0;
  }
}
