// iMessage channel tests: the fake Messages world behind the fake imsg, an in-process gateway
// running it (as if on a Mac unless told otherwise) and an admin connection.
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { ConfigFile, GatewayOptions } from "@clawdbot/sidecar";
import { FakeMessages } from "../fakes/imsg/world.js";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw, type RawClient } from "../support/raw-client.js";
import { defer } from "./cleanup.js";
import { eventually, tempStateDir } from "./harness.js";
import { account } from "./signal-harness.js";

export type IMessageFileConfig = NonNullable<NonNullable<ConfigFile["channels"]>["imessage"]>;
export type IMessageTransport = NonNullable<NonNullable<GatewayOptions["channelTransports"]>["imessage"]>;

export async function messagesWorld(t: TestContext): Promise<FakeMessages> {
  const world = await FakeMessages.start();
  defer(t, () => world.stop());
  return world;
}

export function imessageConfig(overrides: Partial<IMessageFileConfig>, extra: Partial<ConfigFile> = {}): ConfigFile {
  return { heartbeat: { enabled: false }, channels: { imessage: { dmPolicy: "open", ...overrides } }, ...extra };
}

export interface IMessageRunning {
  gw: TestGateway;
  admin: RawClient;
  stateDir: string;
}

/** An in-process gateway with the iMessage channel (on "darwin" unless the transport says otherwise). */
export async function startIMessageGateway(
  t: TestContext,
  file: ConfigFile,
  opts: { stateDir?: string; waitConnected?: boolean; transport?: IMessageTransport } = {},
): Promise<IMessageRunning> {
  const stateDir = opts.stateDir ?? (await tempStateDir(t));
  const gw = await startGateway({ file, stateDir, channelTransports: { imessage: { platform: "darwin", ...opts.transport } } });
  let stopped = false;
  const stop = gw.stop;
  gw.stop = async () => {
    if (stopped) return;
    stopped = true;
    await stop();
  };
  defer(t, () => gw.stop());
  const { client, res } = await connectRaw(gw.url, { mode: "ui" });
  assert.equal(res.ok, true, JSON.stringify(res));
  defer(t, () => client.close());
  if (opts.waitConnected !== false) await eventually("imessage connected", async () => (await account(client, "imessage")).connected, 60_000);
  return { gw, admin: client, stateDir };
}

/** A world, its wrapper script, and a gateway running it. */
export async function imessageSetup(t: TestContext, overrides: Partial<IMessageFileConfig> = {}, opts: { ignoreEof?: boolean } = {}) {
  const world = await messagesWorld(t);
  const dir = await tempStateDir(t);
  const cliPath = await world.writeCli(dir, { ignoreEof: opts.ignoreEof ?? false });
  const run = await startIMessageGateway(t, imessageConfig({ cliPath, ...overrides }));
  return { world, cliPath, ...run };
}
