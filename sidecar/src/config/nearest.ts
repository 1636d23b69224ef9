import { createRequire } from "node:module";

type Levenshtein = typeof import("fastest-levenshtein");
let levenshtein: Levenshtein | undefined;

/** The candidate closest to what was typed, when it is close (at most a third of it changed); else undefined. */
export function nearest(typed: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  // Loaded on the first suggestion: the library allocates a 256 KiB table when it loads, which a
  // gateway whose config is fine never needs.
  levenshtein ??= createRequire(import.meta.url)("fastest-levenshtein") as Levenshtein;
  const guess = levenshtein.closest(typed, [...candidates]);
  return levenshtein.distance(typed, guess) <= Math.max(2, Math.floor(guess.length / 3)) ? guess : undefined;
}
