import type { HandshakeConfig } from "../load/handshake.js";
import type { Message } from "../lib/ipc.js";
import { runLoad, type Server } from "../lib/measure.js";

export interface HandshakeSpec {
  processes: number;
  /** Connectors in total, split over the processes. */
  concurrency: number;
  useToken: boolean;
  warmupMs: number;
  durationMs: number;
}

export interface HandshakeFigures {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  firstError: string | undefined;
  serverCpu: number;
  loadCpu: number;
}

type HandshakeResult = Message & { count: number; seconds: number; errors: number; p50: number; p99: number; firstError?: string };

/** Full handshakes per second (open → challenge → signed connect → hello-ok → close) with `mode: "cli"`. */
export async function measureHandshakes(server: Server, identityFile: string, spec: HandshakeSpec): Promise<HandshakeFigures> {
  const per = Math.max(1, Math.round(spec.concurrency / spec.processes));
  const configs: HandshakeConfig[] = Array.from({ length: spec.processes }, () => ({
    url: server.url,
    identityFile,
    concurrency: per,
    maxHandshakes: 200_000,
    useToken: spec.useToken,
    mode: "cli",
    timeoutMs: 10_000,
    warmupMs: spec.warmupMs,
    durationMs: spec.durationMs,
    maxLifeMs: spec.warmupMs + spec.durationMs + 30_000,
  }));
  const out = await runLoad<HandshakeResult>(server, "load/handshake.ts", configs, spec.warmupMs + spec.durationMs + 20_000);
  const seconds = Math.max(...out.results.map((r) => r.seconds));
  const count = out.results.reduce((s, r) => s + r.count, 0);
  return {
    rate: seconds > 0 ? count / seconds : 0,
    // Latency percentiles of the first process stand for all (they run the same loop).
    p50: out.results[0]?.p50 ?? 0,
    p99: Math.max(...out.results.map((r) => r.p99)),
    errors: out.results.reduce((s, r) => s + r.errors, 0),
    firstError: out.results.find((r) => r.firstError !== undefined)?.firstError,
    serverCpu: out.serverCpu,
    loadCpu: out.loadCpu,
  };
}
