import type { RttConfig } from "../load/rtt.js";
import type { Message } from "../lib/ipc.js";
import { runLoad, type Server } from "../lib/measure.js";

export interface RttFigures {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  serverCpu: number;
  loadCpu: number;
}

export interface RttTiming {
  warmupMs: number;
  durationMs: number;
}

type RttResult = Message & { rate: number; p50: number; p99: number; errors: number };

/** One load process, one connection, `inflight` health requests outstanding. */
export async function measureRtt(
  server: Server,
  target: RttConfig["target"],
  client: RttConfig["client"],
  inflight: number,
  timing: RttTiming,
  identityFile?: string,
): Promise<RttFigures> {
  const config: RttConfig = {
    url: server.url,
    target,
    client,
    inflight,
    ...timing,
    maxRequests: 2_000_000,
    maxLifeMs: timing.warmupMs + timing.durationMs + 30_000,
    ...(identityFile !== undefined ? { identityFile } : {}),
  };
  const out = await runLoad<RttResult>(server, "load/rtt.ts", [config], timing.warmupMs + timing.durationMs + 20_000);
  const r = out.results[0]!;
  return { rate: r.rate, p50: r.p50, p99: r.p99, errors: r.errors, serverCpu: out.serverCpu, loadCpu: out.loadCpu };
}
