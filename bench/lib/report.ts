import { cpus } from "node:os";
import type { RttFigures } from "../phases/rtt.js";
import type { HandshakeFigures, HandshakeSpec } from "../phases/handshake.js";
import type { IdleFigures } from "../phases/idle-memory.js";
import { fmtMs, fmtPct, fmtRate, renderTable, type Column } from "./table.js";
import { TARGETS } from "./targets.js";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface RttPair {
  gateway: Outcome<RttFigures>;
  baseline: Outcome<RttFigures>;
}

export interface Results {
  seq: RttPair;
  pipelined: RttPair;
  client1: Outcome<RttFigures>;
  client64: Outcome<RttFigures>;
  handshakes: Outcome<HandshakeFigures>;
  handshakeSpec: Omit<HandshakeSpec, "useToken">;
  tokenless: Outcome<HandshakeFigures>;
  idle: Outcome<IdleFigures>;
  idleBaseline: Outcome<IdleFigures>;
  idlePlan: { connections: number; soft: number; hard: number; serverFd?: number; loaderFd?: number };
}

const KiB = 1024;

export function printReport(r: Results, totalSeconds: number): void {
  const out = [
    `Clawdbot gateway benchmark — node ${process.version}, ${cpus().length} CPUs, ${process.platform}; 127.0.0.1 only; ${totalSeconds.toFixed(0)} s`,
    "",
    "Targets",
    targetsTable(r),
    "",
    "Details (CPU = % of one core in the measured window: server, load generator(s), and every other process on the machine)",
    detailsTable(r),
    "",
    "Idle connections (RSS from /proc/<pid>/status VmRSS after a forced GC in the server, fresh server process)",
    idleTable(r),
    "",
    ...notes(r).map((n) => `- ${n}`),
  ];
  process.stdout.write(out.join("\n") + "\n");
}

function targetsTable(r: Results): string {
  const cols: Column[] = [
    { title: "#", align: "left" },
    { title: "measurement", align: "left" },
    { title: "gateway", align: "right" },
    { title: "baseline", align: "right" },
    { title: "gw/base", align: "right" },
    { title: "target", align: "left" },
    { title: "result", align: "left" },
  ];
  return renderTable(cols, [
    rttTargetRow("1a", "health round trips/s, 1 in flight", r.seq),
    rttTargetRow("1b", "health round trips/s, 64 in flight", r.pipelined),
    handshakeTargetRow(r),
    idleTargetRow(r),
  ]);
}

function rttTargetRow(n: string, label: string, p: RttPair): string[] {
  if (!p.gateway.ok || !p.baseline.ok) return [n, label, cell(p.gateway, (v) => fmtRate(v.rate)), cell(p.baseline, (v) => fmtRate(v.rate)), "-", `ratio ≥ ${TARGETS.rttRatio}`, "ERROR"];
  const ratio = p.baseline.value.rate > 0 ? p.gateway.value.rate / p.baseline.value.rate : 0;
  return [n, label, fmtRate(p.gateway.value.rate), `${fmtRate(p.baseline.value.rate)} ws echo`, ratio.toFixed(2), `ratio ≥ ${TARGETS.rttRatio.toFixed(2)}`, verdict(ratio >= TARGETS.rttRatio)];
}

function handshakeTargetRow(r: Results): string[] {
  const h = r.handshakes;
  const label = `handshakes/s, ${r.handshakeSpec.concurrency} connectors, signed v2 + device token`;
  const ok = h.ok && h.value.errors === 0 && h.value.rate >= TARGETS.handshakesPerSecond;
  return ["2", label, cell(h, (v) => fmtRate(v.rate)), "-", "-", `≥ ${TARGETS.handshakesPerSecond.toLocaleString("en-US")}/s`, h.ok ? verdict(ok) : "ERROR"];
}

function idleTargetRow(r: Results): string[] {
  const label = `RSS per idle authenticated connection (${r.idlePlan.connections.toLocaleString("en-US")})`;
  const kib = r.idle.ok ? r.idle.value.rssPerConn / KiB : Infinity;
  const complete = r.idle.ok && r.idle.value.failed === 0 && r.idle.value.opened === r.idlePlan.connections;
  return [
    "3",
    label,
    cell(r.idle, (v) => `${(v.rssPerConn / KiB).toFixed(1)} KiB`),
    cell(r.idleBaseline, (v) => `${(v.rssPerConn / KiB).toFixed(1)} KiB bare ws`),
    "-",
    `≤ ${TARGETS.idleKiB} KiB`,
    r.idle.ok ? verdict(complete && kib <= TARGETS.idleKiB) : "ERROR",
  ];
}

function detailsTable(r: Results): string {
  const cols: Column[] = [
    { title: "run", align: "left" },
    { title: "rate", align: "right" },
    { title: "p50", align: "right" },
    { title: "p99", align: "right" },
    { title: "errors", align: "right" },
    { title: "server CPU", align: "right" },
    { title: "load CPU", align: "right" },
    { title: "other CPU", align: "right" },
  ];
  const hs = r.handshakeSpec;
  return renderTable(cols, [
    detailRow("health x1   gateway (raw client)", r.seq.gateway),
    detailRow("health x1   ws echo baseline (same client)", r.seq.baseline),
    detailRow("health x64  gateway (raw client)", r.pipelined.gateway),
    detailRow("health x64  ws echo baseline (same client)", r.pipelined.baseline),
    detailRow("health x1   gateway via GatewayClient", r.client1),
    detailRow("health x64  gateway via GatewayClient", r.client64),
    detailRow(`handshakes  device token, ${hs.concurrency} connectors / ${hs.processes} process`, r.handshakes),
    detailRow(`handshakes  signature only (no device token)`, r.tokenless),
  ]);
}

function detailRow(label: string, o: Outcome<RttFigures | HandshakeFigures>): string[] {
  if (!o.ok) return [label, `error: ${o.error.slice(0, 60)}`, "", "", "", "", "", ""];
  const v = o.value;
  return [label, fmtRate(v.rate), fmtMs(v.p50), fmtMs(v.p99), String(v.errors), fmtPct(v.serverCpu), fmtPct(v.loadCpu), fmtPct(v.otherCpu)];
}

function idleTable(r: Results): string {
  const cols: Column[] = [
    { title: "server", align: "left" },
    { title: "open conns", align: "right" },
    { title: "failed", align: "right" },
    { title: "RSS before", align: "right" },
    { title: "RSS after", align: "right" },
    { title: "RSS/conn", align: "right" },
    { title: "heap+ext/conn", align: "right" },
    { title: "time to open", align: "right" },
  ];
  const row = (label: string, o: Outcome<IdleFigures>) => {
    if (!o.ok) return [label, `error: ${o.error.slice(0, 60)}`, "", "", "", "", "", ""];
    const v = o.value;
    const mib = (b: number) => `${(b / KiB / KiB).toFixed(1)} MiB`;
    const kib = (b: number) => `${(b / KiB).toFixed(1)} KiB`;
    return [label, String(v.opened), String(v.failed), mib(v.rssBefore), mib(v.rssAfter), kib(v.rssPerConn), kib(v.heapPerConn), fmtMs(v.openMs)];
  };
  return renderTable(cols, [row("gateway, after hello-ok (mode cli)", r.idle), row("ws echo, bare sockets", r.idleBaseline)]);
}

function notes(r: Results): string[] {
  const n = [
    "Round trips: one connection, one load process; the gateway and the echo baseline are driven by the same minimal client " +
      '(JSON.stringify a {type:"req",id,method:"health"} frame, JSON.parse each reply, match by id), so the ratio compares the servers.',
    "Handshakes and idle connections use client mode \"cli\", which the gateway leaves out of presence: 2,000 connects " +
      "therefore broadcast no presence events (with a tracked mode every connect would fan out to every client, O(n²)).",
    `Identities: ${8} pre-generated ed25519 devices per gateway, paired (local auto-approval) before any measurement; ` +
      "each connect signs the v2 payload over this socket's challenge nonce and presents the device token from pairing, as clients do.",
    "\"signature only\" connects present no device token, so the gateway issues a fresh token on every connect and " +
      "persists paired.json + pending.json (fsync, rename) before hello-ok — informative, not a target.",
  ];
  const p = r.idlePlan;
  if (p.connections < 2000) n.push(`Open-file hard limit ${p.hard} allows only ${p.connections} idle connections.`);
  if (p.serverFd || p.loaderFd) n.push(`Raised the soft open-file limit (${p.soft}) for the idle run to ${p.serverFd ?? p.loaderFd} (hard ${p.hard}).`);
  const cpuBound = [r.seq.baseline, r.pipelined.baseline].some((o) => o.ok && o.value.loadCpu > 90);
  if (cpuBound) n.push("The load process was near 100% of a core on a baseline run: the baseline figure is partly client-bound, which flatters the ratio.");
  n.push("Benchmarks are informative: this exits 0 whatever the result.");
  return n;
}

function cell<T>(o: Outcome<T>, f: (v: T) => string): string {
  return o.ok ? f(o.value) : "error";
}

function verdict(pass: boolean): string {
  return pass ? "PASS" : "MISS";
}
