// A network namespace joined to the host by a veth pair, so a client can reach the gateway from a
// real non-loopback address (10.200.<n>.2 → 10.200.<n>.1), and a runner for remote-client.ts in it.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcessByStdio } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import type { Readable, Writable } from "node:stream";
import { identityToPem, type DeviceIdentity } from "@clawdbot/protocol/client";
import type { Frame } from "../support/raw-client.js";
import type { RemoteLine, RemoteRequest } from "./remote-client.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLIENT = fileURLToPath(new URL("./remote-client.ts", import.meta.url));

export interface Netns {
  name: string;
  /** The gateway side of the veth pair. */
  hostIp: string;
  /** The client's address inside the namespace. */
  nsIp: string;
  /** Where private keys are written for the client (0700). */
  keyDir: string;
}

function ip(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("ip", args, { timeout: 10_000 }, (err, _out, stderr) => (err ? reject(new Error(`ip ${args.join(" ")}: ${stderr.trim() || err.message}`)) : resolve()));
  });
}

function ipOutput(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("ip", args, { timeout: 10_000, encoding: "utf8" }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/** A 10.200.<n>.0/30 no interface on this host uses yet. */
async function freeSubnet(): Promise<number> {
  const used = await ipOutput(["-4", "-o", "addr", "show"]).catch(() => "");
  for (let i = 0; i < 50; i++) {
    const n = 16 + (randomBytes(1)[0]! % 230);
    if (!used.includes(`10.200.${n}.`)) return n;
  }
  throw new Error("no free 10.200.<n>.0/30 subnet");
}

/**
 * Creates the namespace and veth pair, torn down in t.after even when the test fails.
 * Returns undefined after t.skip() when namespaces cannot be created here (no root / no iproute2).
 */
export async function createNetns(t: TestContext): Promise<Netns | undefined> {
  const tag = randomBytes(3).toString("hex");
  const name = `cbt-${tag}`;
  const hostIf = `veth-h-${tag}`;
  const nsIf = `veth-n-${tag}`;
  try {
    await ip(["netns", "add", name]);
  } catch (err) {
    t.skip(`network namespaces unavailable (needs root and iproute2): ${(err as Error).message}`);
    return undefined;
  }
  const keyDir = await mkdtemp(join(tmpdir(), "cbt-keys-"));
  t.after(async () => {
    await ip(["link", "del", hostIf]).catch(() => undefined); // deleting one end removes the pair
    await ip(["netns", "del", name]).catch(() => undefined);
    await rm(keyDir, { recursive: true, force: true });
  });
  const n = await freeSubnet();
  const hostIp = `10.200.${n}.1`;
  const nsIp = `10.200.${n}.2`;
  await ip(["link", "add", hostIf, "type", "veth", "peer", "name", nsIf]);
  await ip(["link", "set", nsIf, "netns", name]);
  await ip(["addr", "add", `${hostIp}/30`, "dev", hostIf]);
  await ip(["link", "set", hostIf, "up"]);
  await ip(["-n", name, "addr", "add", `${nsIp}/30`, "dev", nsIf]);
  await ip(["-n", name, "link", "set", nsIf, "up"]);
  await ip(["-n", name, "link", "set", "lo", "up"]);
  return { name, hostIp, nsIp, keyDir };
}

/** Writes the identity's private key (PEM, 0600) for the client in the namespace; returns its path. */
export async function keyFile(ns: Netns, identity: DeviceIdentity): Promise<string> {
  const path = join(ns.keyDir, `${identity.deviceId.slice(0, 16)}.pem`);
  await writeFile(path, identityToPem(identity), { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

/** What one connect from the namespace produced. */
export interface RemoteOutcome {
  res: Frame;
  /** The close code and reason (the client closes 1000/1005 itself after a successful connect). */
  closed: { code: number; reason: string } | undefined;
  calls: { method: string; res: Frame }[];
}

/**
 * remote-client.ts running inside the namespace for the whole test (stopped in t.after). Each
 * request is one socket from the namespace address; replies come back tagged with its id.
 */
export class RemoteSession {
  private readonly lines: RemoteLine[] = [];
  private readonly waiters: { pred: (l: RemoteLine) => boolean; resolve: (l: RemoteLine) => void }[] = [];
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private stderr = "";
  private seq = 0;
  private readonly exited: Promise<number | null>;

  constructor(t: TestContext, private readonly ns: Netns, private readonly url: string) {
    this.child = spawn("ip", ["netns", "exec", ns.name, process.execPath, "--import", "tsx", CLIENT], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let buf = "";
    this.child.stdout.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf("\n")) !== -1) {
        const text = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (text) this.push(JSON.parse(text) as RemoteLine);
      }
    });
    this.child.stderr.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.once("close", (code) => resolve(code)));
    t.after(async () => {
      this.child.stdin.end();
      const killer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
      await this.exited;
      clearTimeout(killer);
    });
  }

  private push(line: RemoteLine): void {
    this.lines.push(line);
    for (const w of [...this.waiters]) {
      if (w.pred(line)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  /** Sends a request to the client; returns its id. */
  async send(identity: DeviceIdentity, req: Omit<RemoteRequest, "id" | "url" | "keyFile">): Promise<string> {
    const id = `q${++this.seq}`;
    const full: RemoteRequest = { ...req, id, url: this.url, keyFile: await keyFile(this.ns, identity) };
    this.child.stdin.write(`${JSON.stringify(full)}\n`);
    return id;
  }

  /** The line of `kind` for request `id`; fails with the client's output if it never comes. */
  async line<K extends RemoteLine["kind"]>(id: string, kind: K, ms = 30_000): Promise<Extract<RemoteLine, { kind: K }>> {
    const pred = (l: RemoteLine) => l.id === id && (l.kind === kind || l.kind === "error");
    const hit = this.lines.find(pred) ?? (await this.waitFor(pred, ms, `${kind} for ${id}`));
    if (hit.kind === "error") throw new Error(`remote client failed on ${id}: ${hit.message}; stderr: ${this.stderr}`);
    return hit as Extract<RemoteLine, { kind: K }>;
  }

  private waitFor(pred: (l: RemoteLine) => boolean, ms: number, what: string): Promise<RemoteLine> {
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (l: RemoteLine) => (clearTimeout(timer), resolve(l)) };
      const fail = (why: string) => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`remote client: no ${what} (${why}); lines: ${JSON.stringify(this.lines).slice(0, 1500)}; stderr: ${this.stderr}`));
      };
      const timer = setTimeout(() => fail(`${ms} ms`), ms);
      void this.exited.then((code) => {
        if (this.waiters.includes(w)) fail(`exited ${code}`);
      });
      this.waiters.push(w);
    });
  }

  /** One complete connect from the namespace: response, calls, close. */
  async connect(identity: DeviceIdentity, req: Omit<RemoteRequest, "id" | "url" | "keyFile" | "hold">): Promise<RemoteOutcome> {
    const id = await this.send(identity, req);
    await this.line(id, "done");
    const mine = this.lines.filter((l) => l.id === id);
    const connect = mine.find((l): l is Extract<RemoteLine, { kind: "connect" }> => l.kind === "connect");
    assert.ok(connect, `no connect response for ${id}: ${JSON.stringify(mine)}`);
    const closed = mine.find((l): l is Extract<RemoteLine, { kind: "closed" }> => l.kind === "closed");
    const calls = mine.filter((l): l is Extract<RemoteLine, { kind: "call" }> => l.kind === "call");
    return {
      res: connect.res,
      closed: closed && { code: closed.code, reason: closed.reason },
      calls: calls.map((c) => ({ method: c.method, res: c.res })),
    };
  }
}
