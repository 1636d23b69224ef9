import { Flags } from "@oclif/core";
import { randomUUID } from "node:crypto";
import type { Result } from "@clawdbot/protocol";
import type { GatewayClient } from "@clawdbot/protocol/client";
import { resolveId } from "./id-prefix.js";

/** Extra time the CLI waits beyond the node's own timeout, so the gateway's answer (e.g. AGENT_TIMEOUT) arrives first. */
const ANSWER_MARGIN_MS = 5_000;

/** A node named on the command line: its full id, any unambiguous id prefix or its display name (case-insensitive, when unique). */
export async function resolveNode(client: GatewayClient, ref: string): Promise<string> {
  const { nodes } = await client.call("node.list");
  return resolveId(ref, nodes.map((n) => ({ id: n.nodeId, name: n.displayName })), "node", "clawdbot nodes list");
}

export type InvokeResult = Result<"node.invoke">;

/** node.invoke with a fresh idempotency key; the payload is decoded when the node sent payloadJSON. */
export async function invokeNode(client: GatewayClient, nodeId: string, command: string, params: unknown, timeoutMs: number): Promise<{ result: InvokeResult; payload: unknown }> {
  const result = await client.call(
    "node.invoke",
    { nodeId, command, timeoutMs, idempotencyKey: randomUUID(), ...(params !== undefined ? { params } : {}) },
    { timeoutMs: timeoutMs + ANSWER_MARGIN_MS },
  );
  const payload = result.payload !== undefined ? result.payload : result.payloadJSON !== undefined ? (JSON.parse(result.payloadJSON) as unknown) : undefined;
  return { result, payload };
}

/** Flags of the commands that act on one node's canvas. */
export const nodeCommandFlags = {
  node: Flags.string({ required: true, description: "node id, unique id prefix or display name" }),
  timeout: Flags.integer({ description: "milliseconds the node may take (also the connection timeout)", default: 30_000, min: 1, max: 600_000 }),
};
