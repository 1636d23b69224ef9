import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { LockedJsonFile } from "../store/locked-json.js";
import type { TokenUsage } from "./backend.js";

const Count = Type.Number({ minimum: 0 });
const RowSchema = Type.Object(
  {
    date: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }),
    backend: Type.String({ minLength: 1 }),
    model: Type.String({ minLength: 1 }),
    runs: Count,
    input: Count,
    output: Count,
    cacheRead: Count,
    cacheWrite: Count,
    totalCost: Count,
    /** Runs whose provider reported tokens but no cost. */
    missingCostEntries: Count,
  },
  { additionalProperties: false },
);
const LedgerSchema = Type.Object({ version: Type.Literal(1), rows: Type.Array(RowSchema) }, { additionalProperties: false });
type Row = Static<typeof RowSchema>;

/** Totals in the reference's CostUsageTotals shape. */
export interface UsageTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  totalTokens: number;
  totalCost: number;
  missingCostEntries: number;
}

const KEEP_DAYS = 400;

/**
 * Tokens and cost per day, backend and model, kept by the agent runner in
 * `<stateDir>/usage/usage.json` (atomic writes). Backends without usage (echo, command) count
 * runs with zero tokens.
 */
export class UsageLedger {
  private pending: PendingRun[] = [];
  private batch: Promise<void> | undefined;

  private constructor(
    private readonly file: LockedJsonFile<typeof LedgerSchema>,
    private readonly now: () => number,
  ) {}

  static async open(stateDir: string, now: () => number): Promise<UsageLedger> {
    const file = await LockedJsonFile.open(join(stateDir, "usage", "usage.json"), LedgerSchema, () => ({ version: 1 as const, rows: [] }));
    return new UsageLedger(file, now);
  }

  /**
   * Adds one run's usage (undefined: the backend reported none) under today's date; resolves once
   * it is on disk. Runs that end while a write is waiting for its turn join that write (one lock,
   * one fsync for all of them).
   */
  record(backend: string, model: string, usage: TokenUsage | undefined): Promise<void> {
    this.pending.push({ date: day(this.now()), backend, model, usage });
    if (this.batch) return this.batch;
    const batch: Promise<void> = this.file.mutate((doc) => {
      // Runs recorded from here on wait for the next write.
      if (this.batch === batch) this.batch = undefined;
      for (const entry of this.pending.splice(0)) add(doc.rows, entry);
      const oldest = day(this.now() - KEEP_DAYS * 86_400_000);
      doc.rows = doc.rows.filter((r) => r.date >= oldest);
    });
    this.batch = batch;
    // A write that failed before taking its entries leaves them to the next one.
    void batch.catch(() => undefined).then(() => {
      if (this.batch === batch) this.batch = undefined;
    });
    return batch;
  }

  /** Rows of the last `days` days (today included), oldest first. */
  rows(days: number): Row[] {
    const from = day(this.now() - (days - 1) * 86_400_000);
    return this.file.data.rows.filter((r) => r.date >= from).sort((a, b) => a.date.localeCompare(b.date));
  }
}

interface PendingRun {
  date: string;
  backend: string;
  model: string;
  usage: TokenUsage | undefined;
}

/** Counts one run into its day/backend/model row. */
function add(rows: Row[], { date, backend, model, usage }: PendingRun): void {
  let row = rows.find((r) => r.date === date && r.backend === backend && r.model === model);
  if (!row) {
    row = { date, backend, model, runs: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalCost: 0, missingCostEntries: 0 };
    rows.push(row);
  }
  row.runs++;
  if (!usage) return;
  row.input += usage.input;
  row.output += usage.output;
  row.cacheRead += usage.cacheRead;
  row.cacheWrite += usage.cacheWrite;
  if (usage.cost !== undefined) row.totalCost += usage.cost;
  else if (usage.input + usage.output > 0) row.missingCostEntries++;
}

/** Sums rows into totals. */
export function totalsOf(rows: readonly Row[]): UsageTotals {
  const t: UsageTotals = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0, totalCost: 0, missingCostEntries: 0 };
  for (const r of rows) {
    t.input += r.input;
    t.output += r.output;
    t.cacheRead += r.cacheRead;
    t.cacheWrite += r.cacheWrite;
    t.totalCost += r.totalCost;
    t.missingCostEntries += r.missingCostEntries;
  }
  t.totalTokens = t.input + t.output + t.cacheRead + t.cacheWrite;
  return t;
}

/** UTC calendar day of a timestamp, `YYYY-MM-DD`. */
export function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
