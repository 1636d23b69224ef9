// Two network namespaces joined by a veth pair, made for one test and deleted after it: mDNS
// between them never touches the host's network.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestContext } from "node:test";

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL("../..", import.meta.url));

export interface Side {
  ns: string;
  dev: string;
  address: string;
}

export interface NetnsPair {
  a: Side;
  b: Side;
  subnet: number;
}

async function ip(...args: string[]): Promise<void> {
  await run("ip", args);
}

/** `ip netns exec <ns> ip …` */
export function ipIn(ns: string, ...args: string[]): Promise<void> {
  return ip("netns", "exec", ns, "ip", ...args);
}

/**
 * Creates namespaces A and B, a veth pair between them with 10.201.<n>.1/24 and .2/24, lo up and
 * a 224.0.0.0/4 route on the veth in each (multicast needs a route when no interface is forced).
 * Returns a reason string when this machine cannot (not root, no `ip`, no netns support).
 */
export async function createNetnsPair(t: TestContext): Promise<NetnsPair | string> {
  const tag = randomBytes(3).toString("hex");
  const subnet = randomInt(1, 255);
  const a: Side = { ns: `cbd-a-${tag}`, dev: `cbva${tag}`, address: `10.201.${subnet}.1` };
  const b: Side = { ns: `cbd-b-${tag}`, dev: `cbvb${tag}`, address: `10.201.${subnet}.2` };
  t.after(async () => {
    for (const side of [a, b]) await ip("netns", "del", side.ns).catch(() => undefined);
  });
  try {
    await ip("netns", "add", a.ns);
    await ip("netns", "add", b.ns);
    await ip("link", "add", a.dev, "type", "veth", "peer", "name", b.dev);
    for (const side of [a, b]) {
      await ip("link", "set", side.dev, "netns", side.ns);
      await ipIn(side.ns, "addr", "add", `${side.address}/24`, "dev", side.dev);
      await ipIn(side.ns, "link", "set", side.dev, "up");
      await ipIn(side.ns, "link", "set", "lo", "up");
      await ipIn(side.ns, "route", "add", "224.0.0.0/4", "dev", side.dev);
    }
  } catch (err) {
    await ip("link", "del", a.dev).catch(() => undefined);
    return `cannot create network namespaces (needs root and iproute2): ${(err as Error).message.split("\n")[0]}`;
  }
  return { a, b, subnet };
}

/** A process started with `ip netns exec <ns> …`, its output collected. */
export interface NsProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern` (fails after `ms`). */
  line(pattern: RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Runs `args` inside `ns` from the repo root; SIGKILLed when the test ends if still running. */
export function spawnIn(t: TestContext, ns: string, args: string[]): NsProcess {
  const child = spawn("ip", ["netns", "exec", ns, ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const line = (pattern: RegExp, ms = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = out.split("\n").find((l) => pattern.test(l));
        if (hit === undefined) return false;
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        child.stdout.off("data", check);
        reject(new Error(`no line matching ${pattern} within ${ms} ms\nstdout:\n${out}\nstderr:\n${err}`));
      }, ms);
      if (!check()) child.stdout.on("data", check);
    });
  return { child, stdout: () => out, stderr: () => err, line, exited };
}

/** Runs a TypeScript helper from test/discovery/ inside `ns` (through tsx). */
export function tsIn(t: TestContext, ns: string, script: string, arg: unknown): NsProcess {
  return spawnIn(t, ns, [process.execPath, "--import", "tsx", `test/discovery/${script}`, JSON.stringify(arg)]);
}

/** Runs a helper to completion and parses its stdout as JSON. */
export async function tsJson<T>(t: TestContext, ns: string, script: string, arg: unknown): Promise<T> {
  const p = tsIn(t, ns, script, arg);
  const code = await p.exited;
  if (code !== 0) throw new Error(`${script} exited ${code}\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
  return JSON.parse(p.stdout()) as T;
}
