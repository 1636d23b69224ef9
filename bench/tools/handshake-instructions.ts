/**
 * Instructions per handshake under callgrind: the gateway and the handshake floor
 * (servers/handshake-floor.ts), each in its own valgrind process, counted only while N measured
 * handshakes run (after a warm-up). Instruction counts do not depend on what else the machine is
 * doing, so this compares the two servers where wall-clock rates are too noisy. User space only
 * (the kernel's share of a connection is not counted); needs valgrind.
 *
 *   node --import tsx bench/tools/handshake-instructions.ts [N=400]
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { generateIdentity } from "@clawdbot/protocol/client";
import { LeanSocket } from "../lib/lean-ws.js";
import { pairIdentities } from "../lib/pairing.js";
import { connectFrame, type BenchIdentity } from "../lib/wire.js";

const WARMUP = 2000;
const CONCURRENCY = 4;

interface Counted {
  server: string;
  instructionsPerHandshake: number;
  seconds: number;
}

async function handshake(port: number, who: BenchIdentity): Promise<void> {
  const s = LeanSocket.open("127.0.0.1", port);
  try {
    const challenge = JSON.parse(await s.nextText()) as { payload?: { nonce?: string } };
    const nonce = challenge.payload?.nonce;
    if (nonce === undefined) throw new Error("no connect.challenge");
    s.sendText(connectFrame("c", who, nonce, { mode: "cli", scopes: ["operator.read"], useToken: true }));
    const res = await s.nextText();
    if (!res.startsWith('{"type":"res","id":"c","ok":true')) throw new Error(`connect refused: ${res.slice(0, 200)}`);
    await s.close();
  } catch (err) {
    s.destroy();
    throw err;
  }
}

async function run(port: number, ids: BenchIdentity[], n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await handshake(port, ids[next++ % ids.length]!);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function count(script: string, n: number, dir: string): Promise<Counted> {
  const out = join(dir, `${script.replace(/\W+/g, "-")}.callgrind`);
  const args = ["--tool=callgrind", "--instr-atstart=no", "--smc-check=all-non-file", `--callgrind-out-file=${out}`];
  const proc = spawn("valgrind", [...args, process.execPath, "--import", "tsx", join("bench", script), JSON.stringify({ maxLifeMs: 1_800_000 })], {
    stdio: ["pipe", "pipe", "ignore"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      proc.once("exit", (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
      createInterface({ input: proc.stdout! }).on("line", (line) => {
        const msg = JSON.parse(line) as { type?: string; port?: number };
        if (msg.type === "ready" && msg.port) resolve(msg.port);
      });
    });
    const url = `ws://127.0.0.1:${port}`;
    // The floor keeps no pairings: any identity with any token signs a valid v2 payload for it.
    const ids = script.includes("floor")
      ? Array.from({ length: 8 }, () => ({ identity: generateIdentity(), token: "t".repeat(43) }))
      : await pairIdentities(url, 8, join(dir, "ids.json"));
    await run(port, ids, WARMUP);
    execFileSync("callgrind_control", ["--instr=on", String(proc.pid)], { stdio: "ignore" });
    const started = performance.now();
    await run(port, ids, n);
    const seconds = (performance.now() - started) / 1000;
    execFileSync("callgrind_control", ["--instr=off", String(proc.pid)], { stdio: "ignore" });
    proc.stdin!.end();
    await new Promise((resolve) => proc.once("exit", resolve));
    const totals = /^totals:\s+(\d+)/m.exec(await readFile(out, "utf8"));
    if (!totals) throw new Error(`no totals in ${out}`);
    return { server: script, instructionsPerHandshake: Number(totals[1]) / n, seconds };
  } finally {
    proc.kill("SIGKILL");
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 400);
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-instr-"));
  try {
    const floor = await count("servers/handshake-floor.ts", n, dir);
    const gateway = await count("servers/gateway.ts", n, dir);
    const m = (c: Counted) => `${(c.instructionsPerHandshake / 1e6).toFixed(2)} M instructions/handshake (${n} in ${c.seconds.toFixed(0)} s under valgrind)`;
    console.log(`handshake floor: ${m(floor)}`);
    console.log(`gateway:         ${m(gateway)}`);
    console.log(`gateway / floor: ${(gateway.instructionsPerHandshake / floor.instructionsPerHandshake).toFixed(2)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
