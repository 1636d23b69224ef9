import type { PermissionProbeDeps } from "../../platform/mac-permissions.js";
import { defineChannel, type ChannelDeps } from "../module.js";
import { IMessageAccountSchema, resolveIMessage, type IMessageConfig } from "./config.js";

/** What tests may replace: the platform the gateway believes it runs on, its binary, the permission module. */
export interface IMessageTransport {
  platform?: NodeJS.Platform;
  execPath?: string;
  permissions?: PermissionProbeDeps["load"];
}

/** iMessage through `imsg rpc` on a Mac (or a wrapper that reaches one), spawned and supervised. */
export const imessage = defineChannel({
  id: "imessage",
  label: "iMessage",
  detailLabel: "iMessage (imsg)",
  textLimit: 4000,
  accountSchema: IMessageAccountSchema,
  resolve: resolveIMessage,
  redact: (file) => file,
  secrets: () => [],
  // imsg pushes messages; silence is a quiet inbox, and the supervisor watches the process.
  staleAfterMs: () => Infinity,
  create: async (deps: ChannelDeps<IMessageConfig, IMessageTransport>) => {
    const [{ IMessageAdapter }, { systemProcessTable }] = await Promise.all([import("./adapter.js"), import("../../supervise/process-table.js")]);
    return new IMessageAdapter({
      config: deps.account,
      stateDir: deps.stateDir,
      log: deps.log,
      now: deps.now,
      events: deps.events,
      table: systemProcessTable(),
      platform: deps.transport?.platform ?? process.platform,
      execPath: deps.transport?.execPath ?? process.execPath,
      ...(deps.transport?.permissions ? { permissions: deps.transport.permissions } : {}),
    });
  },
});
