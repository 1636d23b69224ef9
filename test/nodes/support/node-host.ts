// Real `clawdbot node run` processes and a plain operator, for the node tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { Result } from "@clawdbot/protocol";
import { GatewayClient, generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import { CLI_BIN, cliEnv, tempDir } from "../../cli/run-cli.js";

export interface NodeHostProc {
  child: ChildProcess;
  pid: number;
  stateDir: string;
  /** stdout and stderr as they arrived. */
  output(): string;
  /** Resolves with the first match of `re` in the output, now or later (generous default: CI machines get busy). */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** How often `re` matches the output so far. */
  count(re: RegExp): number;
  nodeId: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface NodeHostSpec {
  url: string;
  displayName?: string;
  /** Written to <stateDir>/node/node.json. */
  nodeConfig?: unknown;
  /** Reuse a state dir (restart tests). */
  stateDir?: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Wait for "connected to" (default) or only for the node id line. */
  waitConnected?: boolean;
  /** Let the host find Chromium (canvas.*); off by default so hosts that do not need it start lighter. */
  canvas?: boolean;
}

/** Starts `node cli/bin/run.js node run --url …`; killed (SIGCONT + SIGKILL) when the test ends. */
export async function spawnNodeHost(t: TestContext, spec: NodeHostSpec): Promise<NodeHostProc> {
  const stateDir = spec.stateDir ?? (await tempDir(t, "clawdbot-node-"));
  if (spec.nodeConfig !== undefined) {
    await mkdir(join(stateDir, "node"), { recursive: true });
    await writeFile(join(stateDir, "node", "node.json"), JSON.stringify(spec.nodeConfig));
  }
  const args = [CLI_BIN, "node", "run", "--url", spec.url, ...(spec.displayName ? ["--display-name", spec.displayName] : []), ...(spec.args ?? [])];
  const env = { ...(spec.canvas ? {} : { CHROMIUM_PATH: "/nonexistent/chromium" }), ...spec.env };
  const child = spawn(process.execPath, args, { env: cliEnv(stateDir, env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onData = (d: string) => {
    out += d;
    for (const w of [...waiters]) {
      const m = out.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.setEncoding("utf8").on("data", onData);
  child.stderr.setEncoding("utf8").on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  t.after(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGCONT");
    child.kill("SIGKILL");
  });
  const waitFor = (re: RegExp, ms = 60_000): Promise<RegExpMatchArray> => {
    const m = out.match(re);
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node host output never matched ${re} within ${ms} ms:\n${out}`)), ms);
      waiters.push({ re, resolve: (mm) => (clearTimeout(timer), resolve(mm)) });
      void exited.then(({ code, signal }) => {
        if (out.match(re)) return;
        clearTimeout(timer);
        reject(new Error(`node host exited (${code ?? signal}) before its output matched ${re}:\n${out}`));
      });
    });
  };
  const idLine = await waitFor(/clawdbot node: node ([0-9a-f]{64}) for /);
  if (spec.waitConnected !== false) await waitFor(/clawdbot node: connected to /);
  return {
    child,
    pid: child.pid!,
    stateDir,
    output: () => out,
    waitFor,
    count: (re) => (out.match(new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`)) ?? []).length,
    nodeId: idLine[1]!,
    exited,
  };
}

/** An operator with its own device identity (auto-approved on loopback). */
export async function connectOperator(t: TestContext, url: string, opts: { identity?: DeviceIdentity; tlsFingerprint?: string } = {}): Promise<GatewayClient> {
  const client = new GatewayClient({
    url,
    identity: opts.identity ?? generateIdentity(),
    client: { id: "test", mode: "test", version: "1.0.0", platform: "linux" },
    role: "operator",
    scopes: ["operator.admin"],
    requestTimeoutMs: 120_000,
    ...(opts.tlsFingerprint ? { tlsFingerprint: opts.tlsFingerprint } : {}),
  });
  await client.connect();
  t.after(() => client.close());
  return client;
}

type NodeInfo = Result<"node.list">["nodes"][number];

/** Polls node.list until `pred` holds (generous deadline; no timing is asserted). */
export async function waitForNodes(op: GatewayClient, pred: (nodes: NodeInfo[]) => boolean, ms = 60_000): Promise<NodeInfo[]> {
  const deadline = Date.now() + ms;
  let last: NodeInfo[] = [];
  while (Date.now() < deadline) {
    last = (await op.call("node.list")).nodes;
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node.list never matched within ${ms} ms; last: ${JSON.stringify(last, null, 2)}`);
}

/** node.invoke with a fresh (or given) idempotency key. */
export function invoke(op: GatewayClient, nodeId: string, command: string, params?: unknown, extra: { timeoutMs?: number; idempotencyKey?: string } = {}) {
  return op.call("node.invoke", {
    nodeId,
    command,
    idempotencyKey: extra.idempotencyKey ?? `k-${Math.random().toString(36).slice(2)}`,
    ...(params !== undefined ? { params } : {}),
    ...(extra.timeoutMs !== undefined ? { timeoutMs: extra.timeoutMs } : {}),
  });
}

/** An executable script that appends one line per run to `log` (to count runs). */
export async function appendScript(dir: string, log: string): Promise<string> {
  const path = join(dir, "append-run");
  await writeFile(path, `#!/bin/sh\necho "run $*" >> '${log}'\necho appended\n`, { mode: 0o755 });
  return path;
}
