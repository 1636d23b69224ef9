// `clawdbot pair watch` ends on the first Ctrl-C, as its help says: a real CLI process in its own
// process group (as a shell runs a foreground job) against a real gateway gets one SIGINT for the
// whole group, as a terminal sends it, and must exit by itself leaving no process behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { DeviceStore } from "@clawdbot/sidecar";
import { generateIdentity } from "@clawdbot/protocol/client";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { CLI_BIN, EXIT, assertBuilt, assertExit, env, runCli, type CliResult } from "./cli.js";

/** Generous: only a watch that never stops takes this long; the figure measured is printed. */
const HANG_MS = 30_000;

interface Watch {
  pid: number;
  output(): string;
  /** Resolves once `re` shows in stdout or stderr. */
  waitFor(re: RegExp): Promise<void>;
  write(text: string): void;
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

function startWatch(t: import("node:test").TestContext, gw: TestGateway, args: string[]): Watch {
  assertBuilt();
  const child = spawn(process.execPath, [CLI_BIN, "pair", "watch", "--url", gw.url, ...args], {
    env: env(gw.stateDir, {}),
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) if (w.re.test(stdout + stderr)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  };
  child.stdout.setEncoding("utf8").on("data", (d: string) => ((stdout += d), check()));
  child.stderr.setEncoding("utf8").on("data", (d: string) => ((stderr += d), check()));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) groupKill(child.pid!, "SIGKILL");
  });
  return {
    pid: child.pid!,
    output: () => stdout + stderr,
    waitFor: (re) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(stdout + stderr)) return resolve();
        waiters.push({ re, resolve });
        void done.then((r) => {
          if (!re.test(stdout + stderr)) reject(new Error(`pair watch exited (${r.code ?? r.signal}) before printing ${re}:\n${stdout}\n${stderr}`));
        });
      }),
    write: (text) => child.stdin.write(text),
    done,
  };
}

function groupKill(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}

/** The exit after one Ctrl-C, or a failure naming the output when the watch keeps running. */
async function afterOneCtrlC(w: Watch): Promise<{ result: CliResult & { signal: NodeJS.Signals | null }; ms: number }> {
  const start = performance.now();
  assert.ok(groupKill(w.pid, "SIGINT"), "the watch was running");
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`pair watch still running ${HANG_MS} ms after one Ctrl-C:\n${w.output()}`)), HANG_MS);
  });
  try {
    const result = await Promise.race([w.done, hang]);
    return { result, ms: performance.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

async function fileRequest(gw: TestGateway): Promise<string> {
  const { client, res } = await connectRaw(gw.url, { identity: generateIdentity() });
  client.close();
  assert.equal(res.error?.code, "NOT_PAIRED", JSON.stringify(res));
  return (res.error?.details as { requestId: string }).requestId;
}

async function gateway(t: import("node:test").TestContext): Promise<TestGateway> {
  const gw = await startGateway({ file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  return gw;
}

/** The CLI is a device too: its first connect files a request, approved here so the watch can connect. */
async function approveCli(gw: TestGateway): Promise<void> {
  assertExit(await runCli(["pair", "list", "--url", gw.url], gw.stateDir), EXIT.pairingRequired);
  const store = await DeviceStore.open(gw.stateDir, Date.now);
  for (const p of store.listPending()) await store.approve(p.requestId);
}

test("`pair watch` (no prompt) stops on the first Ctrl-C: exit 0, the requests seen so far printed, no process left", async (t) => {
  const gw = await gateway(t);
  await approveCli(gw);
  const w = startWatch(t, gw, ["--no-prompt"]);
  await w.waitFor(/watching for pairing requests \(Ctrl-C to stop\)/);
  const requestId = await fileRequest(gw);
  await w.waitFor(new RegExp(requestId));
  const { result, ms } = await afterOneCtrlC(w);
  t.diagnostic(`exit ${result.code} ${Math.round(ms)} ms after one SIGINT`);
  assertExit(result, EXIT.ok);
  assert.equal(result.signal, null, "it exits by itself, not killed by the signal");
  assert.equal(groupKill(w.pid, 0), false, "no process of the watch's group is left");
});

test("`pair watch --prompt` stops on the first Ctrl-C while `approve? [y/N]` is open: exit 0, nothing approved, no process left", async (t) => {
  const gw = await gateway(t);
  await approveCli(gw);
  const w = startWatch(t, gw, ["--prompt"]);
  await w.waitFor(/watching for pairing requests/);
  const requestId = await fileRequest(gw);
  await w.waitFor(/approve\? \[y\/N\] /);
  const { result, ms } = await afterOneCtrlC(w);
  t.diagnostic(`exit ${result.code} ${Math.round(ms)} ms after one SIGINT with the question open`);
  assertExit(result, EXIT.ok);
  assert.equal(groupKill(w.pid, 0), false, "no process of the watch's group is left");
  const store = await DeviceStore.open(gw.stateDir, Date.now);
  assert.ok(store.getPending(requestId), "Ctrl-C is not a yes: the request is still pending");
});
