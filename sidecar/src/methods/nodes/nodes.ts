import type { Result } from "@clawdbot/protocol";
import { GatewayError } from "../../errors.js";
import type { NodeInfo } from "../../nodes/registry.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type NodesDeps = Pick<GatewayServices, "now" | "nodes" | "invoker" | "execGate" | "broadcaster" | "devices" | "nodePairing">;

/** A registry entry with `paired`: an approved device pairing or node pairing exists for it. */
function withPairing(s: NodesDeps, n: NodeInfo): Result<"node.describe"> {
  const node = s.nodePairing.listPaired().find((p) => p.nodeId === n.nodeId);
  const device = s.devices.get(n.nodeId);
  // What the node declared when it asked to pair wins over the version its connection claims.
  const coreVersion = node?.coreVersion ?? n.coreVersion ?? node?.version;
  const uiVersion = node?.uiVersion ?? n.uiVersion;
  return { ...n, paired: node !== undefined || device !== undefined, ...(coreVersion ? { coreVersion } : {}), ...(uiVersion ? { uiVersion } : {}) };
}


/** `node.list` */
export const nodeListHandler =
  (s: NodesDeps): Handler<"node.list"> =>
  () => ({ ts: s.now(), nodes: s.nodes.list().map((n) => withPairing(s, n)) });

/** `node.describe` */
export const nodeDescribeHandler =
  (s: NodesDeps): Handler<"node.describe"> =>
  ({ nodeId }) => {
    const info = s.nodes.describe(nodeId);
    if (!info) throw new GatewayError("not_found", `no node ${nodeId}; see node.list`);
    return withPairing(s, info);
  };

/** `node.rename`: persisted across restarts. */
export const nodeRenameHandler =
  (s: NodesDeps): Handler<"node.rename"> =>
  async ({ nodeId, displayName }) => {
    if (!(await s.nodes.rename(nodeId, displayName))) throw new GatewayError("not_found", `no node ${nodeId}; see node.list`);
    return { nodeId, displayName };
  };

/** `node.invoke`: allowlist and exec approvals first, then the request goes to that node only. */
export const nodeInvokeHandler =
  (s: NodesDeps): Handler<"node.invoke"> =>
  async ({ nodeId, command, params, timeoutMs, idempotencyKey }) => {
    const out = await s.execGate.invoke({ nodeId, command, params, idempotencyKey, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    return { ok: true as const, nodeId, command, ...out };
  };

/** `node.invoke.result`: accepted only from the node the request went to. */
export const nodeInvokeResultHandler =
  (s: NodesDeps): Handler<"node.invoke.result"> =>
  (params, { caller }) => {
    s.invoker.result({ nodeId: caller.presenceKey, connId: caller.connId }, params);
    return { ok: true as const };
  };

/** `node.event`: re-broadcast to operators, stamped with the sending node's id. */
export const nodeEventHandler =
  (s: NodesDeps): Handler<"node.event"> =>
  ({ event, payload, payloadJSON }, { caller }) => {
    s.nodes.seen(caller.presenceKey);
    s.broadcaster.broadcast(
      "node.event",
      {
        nodeId: caller.presenceKey,
        event,
        ts: s.now(),
        ...(payload !== undefined ? { payload } : {}),
        ...(payloadJSON !== undefined ? { payloadJSON } : {}),
      },
      { roles: ["operator"] },
    );
    return { ok: true as const };
  };
