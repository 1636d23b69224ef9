/** What the gateway should reach on this benchmark (see bench/README.md). */
export const TARGETS = {
  /** gateway health round trips / echo baseline round trips. */
  rttRatio: 0.9,
  handshakesPerSecond: 2500,
  /** gateway handshakes / the handshake floor server's, same run. */
  handshakeFloorRatio: 0.95,
  /** RSS per idle authenticated connection at 5,000 connections, KiB. */
  idleKiB: 10,
  /** p99 delivery of one broadcast event to every idle connection, ms. */
  broadcastP99Ms: 50,
} as const;
