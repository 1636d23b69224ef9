import type { GatewayServices } from "../services.js";
import type { HandlerTable } from "./context.js";
import { healthHandler } from "./system/health.js";
import { statusHandler } from "./system/status.js";
import { systemEventHandler, systemPresenceHandler } from "./system/presence.js";
import { lastHeartbeatHandler, setHeartbeatsHandler } from "./system/heartbeat.js";
import { logsTailHandler } from "./system/logs.js";
import { configApplyHandler, configGetHandler, configPatchHandler, configSchemaHandler, configSetHandler } from "./config/config.js";
import {
  chatInjectHandler,
  sessionsCompactHandler,
  sessionsDeleteHandler,
  sessionsListHandler,
  sessionsPatchHandler,
  sessionsPreviewHandler,
  sessionsResetHandler,
  sessionsResolveHandler,
} from "./sessions/sessions.js";
import {
  cronAddHandler,
  cronListHandler,
  cronRemoveHandler,
  cronRunHandler,
  cronRunsHandler,
  cronStatusHandler,
  cronUpdateHandler,
  wakeHandler,
} from "./cron/cron.js";
import { agentIdentityGetHandler, agentsListHandler, modelsListHandler } from "./agents/agents.js";
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
    "config.set": configSetHandler(s),
    "config.patch": configPatchHandler(s),
    "config.apply": configApplyHandler(s),
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
    "sessions.list": sessionsListHandler(s),
    "sessions.preview": sessionsPreviewHandler(s),
    "sessions.resolve": sessionsResolveHandler(s),
    "sessions.patch": sessionsPatchHandler(s),
    "sessions.reset": sessionsResetHandler(s),
    "sessions.delete": sessionsDeleteHandler(s),
    "sessions.compact": sessionsCompactHandler(s),
    "chat.inject": chatInjectHandler(s),
    "cron.list": cronListHandler(s),
    "cron.status": cronStatusHandler(s),
    "cron.add": cronAddHandler(s),
    "cron.update": cronUpdateHandler(s),
    "cron.remove": cronRemoveHandler(s),
    "cron.run": cronRunHandler(s),
    "cron.runs": cronRunsHandler(s),
    wake: wakeHandler(s),
    "models.list": modelsListHandler(s),
    "agents.list": agentsListHandler(s),
    "agent.identity.get": agentIdentityGetHandler(s),
  };
}
