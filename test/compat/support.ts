// Compatibility tests speak through the protocol package's own client, as the reference clients do.
import type { TestContext } from "node:test";
import type { EventFrame } from "@clawdbot/protocol";
import { GatewayClient, generateIdentity } from "@clawdbot/protocol/client";
import { startGateway, type StartOptions, type TestGateway } from "../support/gateway.js";
import { eventually } from "../support/wait.js";

export interface Operator {
  client: GatewayClient;
  events: EventFrame[];
  /** Resolves with the first recorded event matching `pred` (now or later). */
  event(pred: (e: EventFrame) => boolean, what: string): Promise<EventFrame>;
}

/** A gateway with an admin operator (the CLI's scopes) that records events. */
export async function compatGateway(t: TestContext, opts: StartOptions = {}): Promise<{ gw: TestGateway; op: Operator }> {
  const gw = await startGateway(opts);
  t.after(() => gw.stop());
  return { gw, op: await operator(t, gw.url) };
}

/** An operator connected like the reference CLI (admin, approvals, pairing). */
export async function operator(t: TestContext, url: string): Promise<Operator> {
  const events: EventFrame[] = [];
  const client = new GatewayClient({
    url,
    identity: generateIdentity(),
    client: { id: "cli", mode: "cli", version: "2026.1.0", platform: "linux" },
    role: "operator",
    scopes: ["operator.admin", "operator.approvals", "operator.pairing"],
    requestTimeoutMs: 60_000,
    onEvent: (e) => events.push(e),
  });
  await client.connect();
  t.after(() => client.close());
  return {
    client,
    events,
    async event(pred, what) {
      await eventually(what, () => events.some(pred), 30_000);
      return events.find(pred)!;
    },
  };
}

/** The final answer of a two-phase `agent` call. */
export function agentFinal(op: Operator, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return op.client.request("agent", params, { expectFinal: true, timeoutMs: 60_000 }) as Promise<Record<string, unknown>>;
}
