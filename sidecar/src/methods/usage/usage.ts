import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import { day, totalsOf } from "../../agent/usage.js";

/** What these handlers may reach. */
export type UsageDeps = Pick<GatewayServices, "usage" | "now">;

const LABELS: Readonly<Record<string, string>> = { openai: "OpenAI-compatible", echo: "Echo (built in)", command: "Command" };

/** `usage.status`: per backend, each model's runs and totals over the last 30 days. */
export const usageStatusHandler =
  (s: UsageDeps): Handler<"usage.status"> =>
  () => {
    const rows = s.usage.rows(30);
    const backends = [...new Set(rows.map((r) => r.backend))];
    return {
      updatedAt: s.now(),
      providers: backends.map((backend) => {
        const mine = rows.filter((r) => r.backend === backend);
        const models = [...new Set(mine.map((r) => r.model))].map((model) => {
          const of = mine.filter((r) => r.model === model);
          return { model, runs: of.reduce((n, r) => n + r.runs, 0), totals: totalsOf(of) };
        });
        return { provider: backend, displayName: LABELS[backend] ?? backend, windows: [], models, totals: totalsOf(mine) };
      }),
    };
  };

/** `usage.cost {days?}`: one entry per day (days without runs are zeros), then totals. */
export const usageCostHandler =
  (s: UsageDeps): Handler<"usage.cost"> =>
  (params) => {
    const days = params?.days ?? 30;
    const rows = s.usage.rows(days);
    const now = s.now();
    const daily = Array.from({ length: days }, (_, i) => day(now - (days - 1 - i) * 86_400_000)).map((date) => ({
      date,
      ...totalsOf(rows.filter((r) => r.date === date)),
    }));
    return { updatedAt: now, days, daily, totals: totalsOf(rows) };
  };
