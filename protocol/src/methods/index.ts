import type { Static } from "@sinclair/typebox";
import type { MethodDecl } from "./declare.js";
import * as system from "./system.js";
import * as pairing from "./pairing.js";
import * as chat from "./chat.js";
import * as nodes from "./nodes.js";
import * as canvas from "./canvas.js";
import * as channels from "./channels.js";
import * as approvals from "./approvals.js";
import * as usage from "./usage.js";
import * as sessions from "./sessions.js";
import * as cron from "./cron.js";
import * as config from "./config.js";
import * as agents from "./agents.js";

/** Every method the gateway implements. Adding a method = one declaration here + one handler module. */
export const METHODS = {
  health: system.health,
  status: system.status,
  "system-presence": system.systemPresence,
  "system-event": system.systemEvent,
  "last-heartbeat": system.lastHeartbeat,
  "set-heartbeats": system.setHeartbeats,
  "logs.tail": system.logsTail,
  "config.get": config.configGet,
  "config.schema": config.configSchema,
  "config.set": config.configSet,
  "config.patch": config.configPatch,
  "config.apply": config.configApply,
  "device.pair.list": pairing.devicePairList,
  "device.pair.approve": pairing.devicePairApprove,
  "device.pair.reject": pairing.devicePairReject,
  "device.token.rotate": pairing.deviceTokenRotate,
  "device.token.revoke": pairing.deviceTokenRevoke,
  "node.pair.request": pairing.nodePairRequest,
  "node.pair.list": pairing.nodePairList,
  "node.pair.approve": pairing.nodePairApprove,
  "node.pair.reject": pairing.nodePairReject,
  "node.pair.verify": pairing.nodePairVerify,
  send: chat.send,
  agent: chat.agent,
  "agent.wait": chat.agentWait,
  "chat.history": chat.chatHistory,
  "chat.send": chat.chatSend,
  "chat.abort": chat.chatAbort,
  "channels.status": chat.channelsStatus,
  "channels.logout": chat.channelsLogout,
  "channels.pairing.list": chat.channelPairingList,
  "channels.pairing.approve": chat.channelPairingApprove,
  "channels.pairing.reject": chat.channelPairingReject,
  "web.login.start": channels.webLoginStart,
  "web.login.wait": channels.webLoginWait,
  poll: channels.poll,
  "node.list": nodes.nodeList,
  "node.describe": nodes.nodeDescribe,
  "node.rename": nodes.nodeRename,
  "node.invoke": nodes.nodeInvoke,
  "node.invoke.result": nodes.nodeInvokeResult,
  "node.event": nodes.nodeEvent,
  "canvas.write": canvas.canvasWrite,
  "canvas.list": canvas.canvasList,
  "canvas.delete": canvas.canvasDelete,
  "canvas.a2ui.push": canvas.canvasA2uiPush,
  "exec.approvals.get": approvals.execApprovalsGet,
  "exec.approvals.set": approvals.execApprovalsSet,
  "exec.approvals.node.get": approvals.execApprovalsNodeGet,
  "exec.approvals.node.set": approvals.execApprovalsNodeSet,
  "exec.approval.request": approvals.execApprovalRequest,
  "exec.approval.resolve": approvals.execApprovalResolve,
  "usage.status": usage.usageStatus,
  "usage.cost": usage.usageCost,
  "sessions.list": sessions.sessionsList,
  "sessions.preview": sessions.sessionsPreview,
  "sessions.resolve": sessions.sessionsResolve,
  "sessions.patch": sessions.sessionsPatch,
  "sessions.reset": sessions.sessionsReset,
  "sessions.delete": sessions.sessionsDelete,
  "sessions.compact": sessions.sessionsCompact,
  "chat.inject": sessions.chatInject,
  "cron.list": cron.cronList,
  "cron.status": cron.cronStatus,
  "cron.add": cron.cronAdd,
  "cron.update": cron.cronUpdate,
  "cron.remove": cron.cronRemove,
  "cron.run": cron.cronRun,
  "cron.runs": cron.cronRuns,
  wake: cron.wake,
  "models.list": agents.modelsList,
  "agents.list": agents.agentsList,
  "agent.identity.get": agents.agentIdentityGet,
} as const satisfies Record<string, MethodDecl>;

export type MethodName = keyof typeof METHODS;
export type Params<M extends MethodName> = Static<(typeof METHODS)[M]["params"]>;
export type Result<M extends MethodName> = Static<(typeof METHODS)[M]["result"]>;
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

/** Narrows a wire string to a method this gateway implements. */
export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(METHODS, name);
}
