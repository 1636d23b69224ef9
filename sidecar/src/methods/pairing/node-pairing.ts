import { GatewayError } from "../../errors.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";
import { nodeView } from "./views.js";

/** What these handlers may reach. */
export type NodePairingDeps = Pick<GatewayServices, "nodePairing" | "broadcaster" | "now" | "nodes">;


/** `node.pair.request` */
export const nodePairRequestHandler =
  (s: NodePairingDeps): Handler<"node.pair.request"> =>
  async (params) => {
    const { request, created } = await s.nodePairing.request(params);
    if (created) s.broadcaster.broadcast("node.pair.requested", request, { scope: "operator.pairing" });
    return { status: "pending" as const, request, created };
  };

/** `node.pair.list` */
export const nodePairListHandler =
  (s: NodePairingDeps): Handler<"node.pair.list"> =>
  () => ({
    pending: s.nodePairing.listPending(),
    paired: s.nodePairing.listPaired().map((p) => {
      const live = s.nodes.describe(p.nodeId);
      // Connected now, or the moment its last connection ended.
      const last = live?.connected ? s.now() : live?.lastSeenAtMs;
      return { ...nodeView(p), ...(last !== undefined ? { lastConnectedAtMs: last } : {}) };
    }),
  });

/** `node.pair.approve`: returns the node token once. */
export const nodePairApproveHandler =
  (s: NodePairingDeps): Handler<"node.pair.approve"> =>
  async ({ requestId }) => {
    const done = await s.nodePairing.approve(requestId);
    if (!done) throw new GatewayError("not_found", `no pending node pairing request ${requestId}`);
    s.broadcaster.broadcast(
      "node.pair.resolved",
      { requestId, nodeId: done.node.nodeId, decision: "approved", ts: s.now() },
      { scope: "operator.pairing" },
    );
    return { requestId, node: nodeView(done.node), token: done.token };
  };

/** `node.pair.reject` */
export const nodePairRejectHandler =
  (s: NodePairingDeps): Handler<"node.pair.reject"> =>
  async ({ requestId }) => {
    const req = await s.nodePairing.reject(requestId);
    if (!req) throw new GatewayError("not_found", `no pending node pairing request ${requestId}`);
    s.broadcaster.broadcast(
      "node.pair.resolved",
      { requestId, nodeId: req.nodeId, decision: "rejected", ts: s.now() },
      { scope: "operator.pairing" },
    );
    return { requestId, nodeId: req.nodeId };
  };

/** `node.pair.verify` */
export const nodePairVerifyHandler =
  (s: NodePairingDeps): Handler<"node.pair.verify"> =>
  ({ nodeId, token }) => {
    const node = s.nodePairing.verify(nodeId, token);
    return node ? { ok: true, node: nodeView(node) } : { ok: false };
  };
