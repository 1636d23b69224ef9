import { Type } from "@sinclair/typebox";
import { method } from "./declare.js";
import { EpochMs, NonEmptyString } from "../schema/primitives.js";

const N = Type.Number({ minimum: 0 });
/** Token and cost totals (the reference's CostUsageTotals). */
export const UsageTotalsSchema = Type.Object(
  { input: N, output: N, cacheRead: N, cacheWrite: N, totalTokens: N, totalCost: N, missingCostEntries: N },
  { additionalProperties: true },
);

const read = { scope: "operator.read", roles: ["operator"], idempotency: "none" } as const;

export const usageStatus = method({
  ...read,
  summary: "Usage per agent backend and model (tokens, cost, runs) over the last 30 days.",
  params: Type.Optional(Type.Object({}, { additionalProperties: false })),
  result: Type.Object(
    {
      updatedAt: EpochMs,
      providers: Type.Array(
        Type.Object(
          {
            provider: NonEmptyString,
            displayName: NonEmptyString,
            /** Quota windows; backends here report none. */
            windows: Type.Array(Type.Object({ label: Type.String(), usedPercent: Type.Number(), resetAt: Type.Optional(EpochMs) })),
            models: Type.Array(Type.Object({ model: NonEmptyString, runs: N, totals: UsageTotalsSchema }, { additionalProperties: false })),
          },
          { additionalProperties: true },
        ),
      ),
    },
    { additionalProperties: true },
  ),
});

export const usageCost = method({
  ...read,
  summary: "Tokens and cost per day for the last `days` days (default 30), with totals.",
  params: Type.Optional(Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })) }, { additionalProperties: false })),
  result: Type.Object(
    {
      updatedAt: EpochMs,
      days: Type.Integer({ minimum: 1 }),
      daily: Type.Array(Type.Intersect([Type.Object({ date: Type.String() }), UsageTotalsSchema])),
      totals: UsageTotalsSchema,
    },
    { additionalProperties: true },
  ),
});
