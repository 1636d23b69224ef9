/** What the gateway should reach on this benchmark (see bench/README.md). */
export const TARGETS = {
  /** gateway health round trips / echo baseline round trips. */
  rttRatio: 0.8,
  handshakesPerSecond: 2000,
  /** RSS per idle authenticated connection, KiB. */
  idleKiB: 30,
} as const;
