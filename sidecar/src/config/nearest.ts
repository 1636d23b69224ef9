import { createRequire } from "node:module";

// fastest-levenshtein is required on the first suggestion, not imported: it allocates a 256 KiB
// table when it loads, which a gateway whose config is fine never needs.
const require = createRequire(import.meta.url);

/** The candidate closest to what was typed, when it is close (at most a third of it changed); else undefined. */
export function nearest(typed: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const { closest, distance } = require("fastest-levenshtein") as typeof import("fastest-levenshtein");
  const guess = closest(typed, [...candidates]);
  return distance(typed, guess) <= Math.max(2, Math.floor(guess.length / 3)) ? guess : undefined;
}
