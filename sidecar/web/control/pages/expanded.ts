// Details shown under some rows of a list (a transcript preview, a run history): loaded when a
// row is opened, loaded again when the row's data changes, dropped when it is closed.

import type { Ctx } from "../context.js";

export class Expanded<T> {
  private readonly open = new Map<string, T | "loading">();

  constructor(
    private readonly ctx: Ctx,
    /** Says what failed to load ("the preview"). */
    private readonly what: string,
    private readonly fetch: (key: string) => Promise<T>,
  ) {}

  /** The details of an open row ("loading" until they came), undefined for a closed one. */
  get(key: string): T | "loading" | undefined {
    return this.open.get(key);
  }

  has(key: string): boolean {
    return this.open.has(key);
  }

  /** Opens a closed row (and loads it) or closes an open one. */
  toggle(key: string): void {
    if (this.open.delete(key)) {
      this.ctx.update();
      return;
    }
    this.open.set(key, "loading");
    void this.load(key);
  }

  /** Loads an open row again; a row closed meanwhile stays closed, one that fails to load closes. */
  async load(key: string): Promise<void> {
    if (!this.open.has(key)) return;
    this.ctx.update();
    const res = await this.ctx.act(`Could not load ${this.what}`, async () => ({ value: await this.fetch(key) }));
    if (!this.open.has(key)) return;
    if (res) this.open.set(key, res.value);
    else this.open.delete(key);
    this.ctx.update();
  }

  close(key: string): void {
    this.open.delete(key);
  }

  /** Closes every row whose key is not in `keys` (its item left the list). */
  keep(keys: ReadonlySet<string>): void {
    for (const k of this.open.keys()) if (!keys.has(k)) this.open.delete(k);
  }
}
