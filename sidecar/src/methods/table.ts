import type { GatewayServices } from "../services.js";
import type { HandlerTable } from "./context.js";
import { healthHandler } from "./system/health.js";
import { statusHandler } from "./system/status.js";
import { systemEventHandler, systemPresenceHandler } from "./system/presence.js";
import { lastHeartbeatHandler, setHeartbeatsHandler } from "./system/heartbeat.js";
import { logsTailHandler } from "./system/logs.js";
import { configGetHandler, configSchemaHandler } from "./system/config.js";
import {
  devicePairApproveHandler,
  devicePairListHandler,
  devicePairRejectHandler,
  deviceTokenRevokeHandler,
  deviceTokenRotateHandler,
} from "./pairing/device-pairing.js";
import {
  nodePairApproveHandler,
  nodePairListHandler,
  nodePairRejectHandler,
  nodePairRequestHandler,
  nodePairVerifyHandler,
} from "./pairing/node-pairing.js";
import { agentHandler, agentWaitHandler } from "./chat/agent.js";
import { chatAbortHandler, chatHistoryHandler, chatSendHandler } from "./chat/chat.js";
import { sendHandler } from "./channels/send.js";
import { webLoginStartHandler, webLoginWaitHandler } from "./channels/login.js";
import { pollHandler } from "./channels/poll.js";
import {
  channelPairingApproveHandler,
  channelPairingListHandler,
  channelPairingRejectHandler,
  channelsLogoutHandler,
  channelsStatusHandler,
} from "./channels/channels.js";
import {
  nodeDescribeHandler,
  nodeEventHandler,
  nodeInvokeHandler,
  nodeInvokeResultHandler,
  nodeListHandler,
  nodeRenameHandler,
} from "./nodes/nodes.js";
import {
  execApprovalRequestHandler,
  execApprovalResolveHandler,
  execApprovalsGetHandler,
  execApprovalsNodeGetHandler,
  execApprovalsNodeSetHandler,
  execApprovalsSetHandler,
} from "./approvals/approvals.js";
import { usageCostHandler, usageStatusHandler } from "./usage/usage.js";
import { canvasA2uiPushHandler, canvasDeleteHandler, canvasListHandler, canvasWriteHandler } from "./canvas/canvas.js";

/** Binds every declared method to its handler. */
export function buildHandlers(s: GatewayServices): HandlerTable {
  return {
    health: healthHandler(s),
    status: statusHandler(s),
    "system-presence": systemPresenceHandler(s),
    "system-event": systemEventHandler(s),
    "last-heartbeat": lastHeartbeatHandler(s),
    "set-heartbeats": setHeartbeatsHandler(s),
    "logs.tail": logsTailHandler(s),
    "config.get": configGetHandler(s),
    "config.schema": configSchemaHandler(s),
    "device.pair.list": devicePairListHandler(s),
    "device.pair.approve": devicePairApproveHandler(s),
    "device.pair.reject": devicePairRejectHandler(s),
    "device.token.rotate": deviceTokenRotateHandler(s),
    "device.token.revoke": deviceTokenRevokeHandler(s),
    "node.pair.request": nodePairRequestHandler(s),
    "node.pair.list": nodePairListHandler(s),
    "node.pair.approve": nodePairApproveHandler(s),
    "node.pair.reject": nodePairRejectHandler(s),
    "node.pair.verify": nodePairVerifyHandler(s),
    send: sendHandler(s),
    agent: agentHandler(s),
    "agent.wait": agentWaitHandler(s),
    "chat.history": chatHistoryHandler(s),
    "chat.send": chatSendHandler(s),
    "chat.abort": chatAbortHandler(s),
    "channels.status": channelsStatusHandler(s),
    "channels.logout": channelsLogoutHandler(s),
    "channels.pairing.list": channelPairingListHandler(s),
    "channels.pairing.approve": channelPairingApproveHandler(s),
    "channels.pairing.reject": channelPairingRejectHandler(s),
    "web.login.start": webLoginStartHandler(s),
    "web.login.wait": webLoginWaitHandler(s),
    poll: pollHandler(s),
    "node.list": nodeListHandler(s),
    "node.describe": nodeDescribeHandler(s),
    "node.rename": nodeRenameHandler(s),
    "node.invoke": nodeInvokeHandler(s),
    "node.invoke.result": nodeInvokeResultHandler(s),
    "node.event": nodeEventHandler(s),
    "canvas.write": canvasWriteHandler(s),
    "canvas.list": canvasListHandler(s),
    "canvas.delete": canvasDeleteHandler(s),
    "canvas.a2ui.push": canvasA2uiPushHandler(s),
    "exec.approvals.get": execApprovalsGetHandler(s),
    "exec.approvals.set": execApprovalsSetHandler(s),
    "exec.approvals.node.get": execApprovalsNodeGetHandler(s),
    "exec.approvals.node.set": execApprovalsNodeSetHandler(s),
    "exec.approval.request": execApprovalRequestHandler(s),
    "exec.approval.resolve": execApprovalResolveHandler(s),
    "usage.status": usageStatusHandler(s),
    "usage.cost": usageCostHandler(s),
  };
}
