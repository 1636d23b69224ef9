import type { RttConfig, RttTarget } from "../load/rtt.js";
import { runWindowed, summarize, type Figures, type Server } from "../lib/measure.js";
import type { RoundsSpec } from "../lib/rounds.js";

export interface RttPairFigures {
  gateway: Figures;
  baseline: Figures;
  /** servers/echo.ts with `reply: "health"`: the wire work of a health answer, without the gateway (informative). */
  replyFloor?: Figures;
}

/**
 * `inflight` health requests outstanding on one connection to the gateway and one to the echo
 * baseline, from one load process, measured in alternating rounds.
 */
export async function measureRttPair(gw: Server, echo: Server, inflight: number, rounds: RoundsSpec, identityFile: string, replyFloor?: Server): Promise<RttPairFigures> {
  const targets: RttTarget[] = [
    { target: "gateway", url: gw.url, kind: "gateway", client: "raw" },
    { target: "echo", url: echo.url, kind: "echo", client: "raw" },
    ...(replyFloor ? [{ target: "reply-floor", url: replyFloor.url, kind: "echo" as const, client: "raw" as const }] : []),
  ];
  const w = await runRtt(targets, { gateway: gw, echo, ...(replyFloor ? { "reply-floor": replyFloor } : {}) }, inflight, rounds, identityFile);
  const of = (target: string) => summarize(w.filter((x) => x.target === target));
  return { gateway: of("gateway"), baseline: of("echo"), ...(replyFloor ? { replyFloor: of("reply-floor") } : {}) };
}

/** The gateway through @clawdbot/protocol's GatewayClient (client-side cost included). */
export async function measureGatewayClient(gw: Server, inflight: number, rounds: RoundsSpec, identityFile: string): Promise<Figures> {
  const targets: RttTarget[] = [{ target: "gateway", url: gw.url, kind: "gateway", client: "gateway-client" }];
  return summarize(await runRtt(targets, { gateway: gw }, inflight, rounds, identityFile));
}

function runRtt(targets: RttTarget[], servers: Record<string, Server>, inflight: number, rounds: RoundsSpec, identityFile: string) {
  const total = rounds.warmupMs * targets.length + rounds.windowMs * rounds.rounds * targets.length;
  const config: RttConfig = { targets, inflight, ...rounds, identityFile, maxLifeMs: total + 60_000 };
  return runWindowed("load/rtt.ts", config, servers, rounds.rounds * targets.length, total + 30_000);
}
