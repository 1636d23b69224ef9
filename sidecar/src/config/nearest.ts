import { closest, distance } from "fastest-levenshtein";

/** The candidate closest to what was typed, when it is close (at most a third of it changed); else undefined. */
export function nearest(typed: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const guess = closest(typed, [...candidates]);
  return distance(typed, guess) <= Math.max(2, Math.floor(guess.length / 3)) ? guess : undefined;
}
