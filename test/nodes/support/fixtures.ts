// Fixtures shared by the node tests that run real node host processes.
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { GatewayRequestError } from "@clawdbot/protocol/client";
import { startGateway, type StartOptions, type TestGateway } from "../../support/gateway.js";
import { spawnNodeHost, type NodeHostProc } from "./node-host.js";

/** Default ticks (30 s): a 200 ms tick would make nodes on a busy 2-core machine flap where liveness is not the point. */
export async function gateway(t: TestContext, opts: StartOptions = {}): Promise<TestGateway> {
  const gw = await startGateway(opts);
  t.after(() => gw.stop());
  return gw;
}

/** Node hosts "A" and "B" allowed to run `echo` and `sleep`, optionally with a canvas. */
export async function twoNodes(t: TestContext, url: string, canvas = false): Promise<[NodeHostProc, NodeHostProc]> {
  const nodeConfig = { systemRun: { allow: ["echo", "sleep"] } };
  return Promise.all([spawnNodeHost(t, { url, displayName: "A", nodeConfig, canvas }), spawnNodeHost(t, { url, displayName: "B", nodeConfig, canvas })]);
}

/** The GatewayRequestError a call fails with (fails the test if it succeeds). */
export async function rejection(p: Promise<unknown>): Promise<GatewayRequestError> {
  const err = await p.then(
    () => assert.fail("expected the call to fail"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GatewayRequestError, `expected a GatewayRequestError, got ${String(err)}`);
  return err;
}
