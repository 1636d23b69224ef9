// Operators that watch exec approval events, and a node host whose own exec policy is set up front.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { EventFrame, EventPayload } from "@clawdbot/protocol";
import { GatewayClient, generateIdentity } from "@clawdbot/protocol/client";
import { tempDir } from "../cli/run-cli.js";
import { spawnNodeHost, type NodeHostProc } from "../nodes/support/node-host.js";
import { eventually } from "../support/wait.js";

export interface WatchingOperator {
  client: GatewayClient;
  events: EventFrame[];
  /** The next exec.approval.requested event not seen before. */
  nextRequest(): Promise<EventPayload<"exec.approval.requested">>;
}

/** An operator holding exactly `scopes`, recording every event it receives. */
export async function watchingOperator(t: TestContext, url: string, scopes: string[]): Promise<WatchingOperator> {
  const events: EventFrame[] = [];
  const client = new GatewayClient({
    url,
    identity: generateIdentity(),
    client: { id: "test", mode: "test", version: "1.0.0", platform: "linux" },
    role: "operator",
    scopes,
    requestTimeoutMs: 120_000,
    onEvent: (ev) => events.push(ev),
  });
  await client.connect();
  t.after(() => client.close());
  let seen = 0;
  const requests = () => events.filter((e) => e.event === "exec.approval.requested");
  return {
    client,
    events,
    async nextRequest() {
      await eventually("an exec.approval.requested event", () => requests().length > seen, 60_000);
      return requests()[seen++]!.payload as EventPayload<"exec.approval.requested">;
    },
  };
}

/**
 * A node host allowed to run `echo` and a script that appends a line to `marks` each time it
 * runs (so "ran once" is counted, not inferred), with `policy` as its exec-approvals.json (null: none).
 */
export async function policedNode(t: TestContext, url: string, policy: unknown): Promise<{ node: NodeHostProc; script: string; marks: string }> {
  const stateDir = await tempDir(t, "clawdbot-node-");
  const work = await tempDir(t, "clawdbot-work-");
  const script = join(work, "mark");
  const marks = join(work, "marks.txt");
  await writeFile(script, `#!/bin/sh\necho ran >> '${marks}'\necho marked\n`, { mode: 0o755 });
  await mkdir(join(stateDir, "node"), { recursive: true });
  if (policy !== null) await writeFile(join(stateDir, "node", "exec-approvals.json"), JSON.stringify(policy));
  const node = await spawnNodeHost(t, { url, stateDir, displayName: "runner", nodeConfig: { systemRun: { allow: ["echo", script] } } });
  return { node, script, marks };
}
