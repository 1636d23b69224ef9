import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Child } from "./lib/child.js";
import { startServer } from "./lib/measure.js";
import { pairIdentities } from "./lib/pairing.js";
import { measureHandshakes } from "./phases/handshake.js";
import { measureRttPair } from "./phases/rtt.js";
const dir = await mkdtemp(join(tmpdir(), "zz-"));
const gw = await startServer("servers/gateway.ts", "gw", { maxLifeMs: 120000 });
const echo = await startServer("servers/echo.ts", "echo", { maxLifeMs: 120000 });
await pairIdentities(gw.url, 8, join(dir, "ids.json"));
const spec = { warmupMs: 1000, windowMs: 1000, rounds: 5, concurrency: Number(process.argv[2] ?? 16), useToken: true };
const f = (x: { rate: number; rates: number[]; serverCpu: number; loadCpu: number; otherCpu: number; serverUsPerOp: number }) =>
  `${x.rate.toFixed(0)}/s windows=${x.rates.map((r) => r.toFixed(0)).join(",")} server=${x.serverCpu.toFixed(0)}% load=${x.loadCpu.toFixed(0)}% other=${x.otherCpu.toFixed(0)}% us/op=${x.serverUsPerOp.toFixed(0)}`;
console.log("handshakes", f(await measureHandshakes(gw, join(dir, "ids.json"), spec)));
console.log("plain     ", f(await measureHandshakes(echo, undefined, spec)));
if (process.argv[3] === "rtt") {
  const r = await measureRttPair(gw, echo, 1, { warmupMs: 1000, windowMs: 1000, rounds: 5 }, join(dir, "ids.json"));
  console.log("x1 gw     ", f(r.gateway)); console.log("x1 echo   ", f(r.baseline));
  const r64 = await measureRttPair(gw, echo, 64, { warmupMs: 1000, windowMs: 1000, rounds: 5 }, join(dir, "ids.json"));
  console.log("x64 gw    ", f(r64.gateway)); console.log("x64 echo  ", f(r64.baseline));
}
await Child.stopAll();
