import { cpus, loadavg } from "node:os";
import type { Figures } from "./measure.js";
import type { RttPairFigures } from "../phases/rtt.js";
import type { HandshakeSpec } from "../phases/handshake.js";
import type { IdleFigures } from "../phases/idle-memory.js";
import { fmtMs, fmtPct, fmtRate, renderTable, type Column } from "./table.js";
import { TARGETS } from "./targets.js";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface Results {
  seq: Outcome<RttPairFigures>;
  pipelined: Outcome<RttPairFigures>;
  client1: Outcome<Figures>;
  client64: Outcome<Figures>;
  handshakes: Outcome<Figures>;
  handshakeSpec: HandshakeSpec;
  /** The same connectors against servers/handshake-floor.ts: the wire work of a handshake and nothing else. */
  floorHandshakes: Outcome<Figures>;
  tokenless: Outcome<Figures>;
  /** Bare WebSocket open + close against the echo server, same connector code. */
  plainOpens: Outcome<Figures>;
  idle: Outcome<IdleFigures>;
  idleBaseline: Outcome<IdleFigures>;
  idlePlan: IdlePlan;
  /** The same at 10,000 connections, when the open-file limit allowed it. */
  idleLarge?: { idle: Outcome<IdleFigures>; idleBaseline: Outcome<IdleFigures>; plan: IdlePlan };
}

export interface IdlePlan {
  connections: number;
  soft: number;
  hard: number;
  serverFd?: number;
  loaderFd?: number;
}

const KiB = 1024;
/** Other processes using more than this (% of one core) make throughput figures contention-bound. */
const BUSY_MACHINE = 25;

export function printReport(r: Results, totalSeconds: number): void {
  const out = [
    `Clawdbot gateway benchmark — node ${process.version}, ${cpus().length} CPUs, ${process.platform}, ` +
      `load average ${loadavg()[0]?.toFixed(1)}; 127.0.0.1 only; ${totalSeconds.toFixed(0)} s`,
    "",
    "Targets",
    targetsTable(r),
    replyFloorLine(r),
    "",
    "Details: rate = median window; CPU = % of one core over the windows for the server, the load process and",
    "every other process on the machine; server µs/op = server CPU time per completed round trip or handshake.",
    detailsTable(r),
    "",
    "Idle connections: gateway RSS (VmRSS from /proc/<pid>/status after a forced GC) before and after; fresh server processes.",
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
    { title: "per CPU", align: "right" },
    { title: "target", align: "left" },
    { title: "result", align: "left" },
  ];
  return renderTable(cols, [
    rttTargetRow("1a", "health round trips/s, 1 in flight", r.seq),
    rttTargetRow("1b", "health round trips/s, 64 in flight", r.pipelined),
    handshakeTargetRow(r),
    idleTargetRow(r),
    broadcastTargetRow(r),
  ]);
}

function rttTargetRow(n: string, label: string, o: Outcome<RttPairFigures>): string[] {
  const target = `gw/base ≥ ${TARGETS.rttRatio.toFixed(2)}`;
  if (!o.ok) return [n, label, "error", "error", "-", "-", target, "ERROR"];
  const { gateway: g, baseline: b } = o.value;
  const ratio = b.rate > 0 ? g.rate / b.rate : 0;
  const perCpu = g.serverUsPerOp > 0 ? b.serverUsPerOp / g.serverUsPerOp : 0;
  const pass = g.errors === 0 && ratio >= TARGETS.rttRatio;
  return [n, label, fmtRate(g.rate), `${fmtRate(b.rate)} ws echo`, ratio.toFixed(2), perCpu.toFixed(2), target, verdict(pass)];
}

function handshakeTargetRow(r: Results): string[] {
  const h = r.handshakes;
  const label = `handshakes/s, ${r.handshakeSpec.concurrency} connectors, signed v2 + device token`;
  const base = r.floorHandshakes;
  const floorRatio = h.ok && base.ok && base.value.rate > 0 ? h.value.rate / base.value.rate : 0;
  const pass = h.ok && h.value.errors === 0 && h.value.rate >= TARGETS.handshakesPerSecond && floorRatio >= TARGETS.handshakeFloorRatio;
  const ratio = floorRatio > 0 ? floorRatio.toFixed(2) : "-";
  const perCpu = h.ok && base.ok && h.value.serverUsPerOp > 0 ? (base.value.serverUsPerOp / h.value.serverUsPerOp).toFixed(2) : "-";
  return ["2", label, cell(h, (v) => fmtRate(v.rate)), cell(base, (v) => `${fmtRate(v.rate)} ws floor`), ratio, perCpu, `≥ ${TARGETS.handshakesPerSecond.toLocaleString("en-US")}/s, ≥ ${TARGETS.handshakeFloorRatio} floor`, h.ok ? verdict(pass) : "ERROR"];
}

function idleTargetRow(r: Results): string[] {
  const label = `RSS per idle authenticated connection (${r.idlePlan.connections.toLocaleString("en-US")})`;
  const kib = (v: IdleFigures) => `${(v.rssPerConn / KiB).toFixed(1)} KiB`;
  const complete = r.idle.ok && r.idle.value.failed === 0 && r.idle.value.opened === r.idlePlan.connections;
  const pass = complete && r.idle.ok && r.idle.value.rssPerConn / KiB <= TARGETS.idleKiB;
  return ["3", label, cell(r.idle, kib), cell(r.idleBaseline, (v) => `${kib(v)} bare ws`), "-", "-", `≤ ${TARGETS.idleKiB} KiB`, r.idle.ok ? verdict(pass) : "ERROR"];
}

function broadcastTargetRow(r: Results): string[] {
  const label = `broadcast of one event to ${r.idlePlan.connections.toLocaleString("en-US")} clients, p99 delivery`;
  const p99 = (o: Outcome<IdleFigures>) => (o.ok && o.value.broadcast ? o.value.broadcast.p99 : undefined);
  const g = p99(r.idle);
  const b = p99(r.idleBaseline);
  const delivered = r.idle.ok && r.idle.value.broadcast !== undefined && r.idle.value.broadcast.perConnection >= 1;
  const pass = delivered && g !== undefined && g < TARGETS.broadcastP99Ms;
  return [
    "4",
    label,
    g === undefined ? "error" : fmtMs(g),
    b === undefined ? "error" : `${fmtMs(b)} bare ws`,
    g !== undefined && b !== undefined && b > 0 ? (g / b).toFixed(2) : "-",
    "-",
    `< ${TARGETS.broadcastP99Ms} ms`,
    g === undefined ? "ERROR" : verdict(pass),
  ];
}

function detailsTable(r: Results): string {
  const cols: Column[] = [
    { title: "run", align: "left" },
    { title: "rate", align: "right" },
    { title: "windows", align: "right" },
    { title: "p50", align: "right" },
    { title: "p99", align: "right" },
    { title: "errors", align: "right" },
    { title: "server CPU", align: "right" },
    { title: "load CPU", align: "right" },
    { title: "other CPU", align: "right" },
    { title: "server µs/op", align: "right" },
  ];
  const pair = (o: Outcome<RttPairFigures>, side: "gateway" | "baseline"): Outcome<Figures> => (o.ok ? { ok: true, value: o.value[side] } : o);
  return renderTable(cols, [
    detailRow("health x1   gateway (raw client)", pair(r.seq, "gateway")),
    detailRow("health x1   ws echo baseline (same client)", pair(r.seq, "baseline")),
    detailRow("health x1   ws reply floor: health-sized answer", floorOf(r.seq)),
    detailRow("health x64  gateway (raw client)", pair(r.pipelined, "gateway")),
    detailRow("health x64  ws echo baseline (same client)", pair(r.pipelined, "baseline")),
    detailRow("health x64  ws reply floor: health-sized answer", floorOf(r.pipelined)),
    detailRow("health x1   gateway via GatewayClient", r.client1),
    detailRow("health x64  gateway via GatewayClient", r.client64),
    detailRow(`handshakes  device token, ${r.handshakeSpec.concurrency} connectors`, r.handshakes),
    detailRow("handshakes  floor: bare ws, same exchange + verify", r.floorHandshakes),
    detailRow("handshakes  signature only, no device token", r.tokenless),
    detailRow("ws open+close  echo baseline (same connectors)", r.plainOpens),
  ]);
}

/** Informative: the gateway's round-trip rate against the reply floor (same reply size), 1 and 64 in flight. */
function replyFloorLine(r: Results): string {
  const ratio = (o: Outcome<RttPairFigures>) => (o.ok && o.value.replyFloor && o.value.replyFloor.rate > 0 ? (o.value.gateway.rate / o.value.replyFloor.rate).toFixed(2) : "-");
  return `   health round trips, gateway ÷ reply floor (a bare ws server answering with a health-sized frame): 1 in flight ${ratio(r.seq)}, 64 in flight ${ratio(r.pipelined)}`;
}

/** The reply-floor row of a round-trip measurement, when it ran. */
function floorOf(o: Outcome<RttPairFigures>): Outcome<Figures> {
  if (!o.ok) return o;
  return o.value.replyFloor ? { ok: true, value: o.value.replyFloor } : { ok: false, error: "not measured" };
}

function detailRow(label: string, o: Outcome<Figures>): string[] {
  if (!o.ok) return [label, `error: ${o.error.slice(0, 70)}`, "", "", "", "", "", "", "", ""];
  const v = o.value;
  const windows = v.rates.map((x) => Math.round(x).toLocaleString("en-US")).join(" ");
  return [label, fmtRate(v.rate), windows, fmtMs(v.p50), fmtMs(v.p99), String(v.errors), fmtPct(v.serverCpu), fmtPct(v.loadCpu), fmtPct(v.otherCpu), v.serverUsPerOp.toFixed(0)];
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
    { title: "tick p50 / p99 / max", align: "right" },
    { title: "ticks/conn", align: "right" },
  ];
  const row = (label: string, o: Outcome<IdleFigures>) => {
    if (!o.ok) return [label, `error: ${o.error.slice(0, 70)}`, "", "", "", "", "", "", "", ""];
    const v = o.value;
    const mib = (b: number) => `${(b / KiB / KiB).toFixed(1)} MiB`;
    const kib = (b: number) => `${(b / KiB).toFixed(1)} KiB`;
    const bc = v.broadcast;
    const ticks = bc ? `${fmtMs(bc.p50)} / ${fmtMs(bc.p99)} / ${fmtMs(bc.max)}` : "-";
    return [label, String(v.opened), String(v.failed), mib(v.rssBefore), mib(v.rssAfter), kib(v.rssPerConn), kib(v.heapPerConn), fmtMs(v.openMs), ticks, bc ? bc.perConnection.toFixed(1) : "-"];
  };
  const rows = [row("gateway, after hello-ok (mode cli)", r.idle), row("ws echo, bare sockets", r.idleBaseline)];
  if (r.idleLarge) rows.push(row("gateway, after hello-ok (mode cli)", r.idleLarge.idle), row("ws echo, bare sockets", r.idleLarge.idleBaseline));
  return renderTable(cols, rows);
}

function notes(r: Results): string[] {
  const n = [
    "Round trips: one connection per server, one load process driving both in alternating windows with the same minimal " +
      'client (JSON.stringify a {type:"req",id,method:"health"} frame, JSON.parse the reply, match by id). "per CPU" = ' +
      "round trips per server-CPU-second, gateway/baseline: the same comparison with contention from other processes factored out. " +
      'The "reply floor" rows answer every request with a health-shaped ~385-byte frame (the echo answers ~45 bytes), so the client ' +
      "parses as much as for the gateway: gateway/reply floor is what the gateway's own logic costs.",
    'Handshakes and idle connections use client mode "cli", which the gateway leaves out of presence, so thousands of connects ' +
      "broadcast no presence events (a tracked mode would fan every connect out to every client: O(n²)).",
    "Identities: 8 ed25519 devices per gateway process, paired (local auto-approval) before any measurement; each connect " +
      "signs the v2 payload incl. the socket's challenge nonce and presents the device token from pairing, as clients do.",
    '"signature only" connects present no device token (a local client that lost it): the device already holds a live ' +
      "token, so none is minted and the store is not written; informative, not a target.",
  ];
  n.push(
    "Broadcast: with every idle connection open, each server sends a `tick` event to all of them every 500 ms; the " +
      "load processes time each delivery (receipt − the event's ts, one clock) for 3 s. The bare ws baseline sends the same frame.",
  );
  const p = r.idlePlan;
  if (p.connections < 5000) n.push(`The open-file hard limit (${p.hard}) allows only ${p.connections} idle connections.`);
  if (p.serverFd !== undefined || p.loaderFd !== undefined) {
    n.push(`Raised the soft open-file limit (${p.soft}) to ${p.serverFd ?? p.loaderFd} for the idle run (hard limit ${p.hard}).`);
  }
  const other = [r.seq, r.pipelined].flatMap((o) => (o.ok ? [o.value.gateway.otherCpu, o.value.baseline.otherCpu] : []));
  if (r.handshakes.ok) other.push(r.handshakes.value.otherCpu);
  n.splice(
    3,
    0,
    "Handshake baseline (\"ws floor\", bench/servers/handshake-floor.ts): the same connectors and identities against a bare ws " +
      "server that sends a challenge, verifies the signed v2 connect (node:crypto, thread pool) and answers a hello-ok-sized " +
      "reply, with no validation, pairing, tokens or bookkeeping — the most any Node + ws gateway could do here. With both the " +
      "server and the 16 signing connectors on this machine's cores, the floor bounds the absolute rate. " +
      "\"ws open+close\": only the upgrade and close against the echo server.",
  );
  const busiest = Math.max(0, ...other);
  if (busiest > BUSY_MACHINE) {
    n.push(
      `Other processes used up to ${busiest.toFixed(0)}% of a core during the windows: throughput here is limited by CPU ` +
        "contention, not by the gateway alone. Compare the per-CPU ratio and server µs/op, or rerun on a quiet machine.",
    );
  }
  n.push("Benchmarks are informative: this exits 0 whatever the result.");
  return n;
}

function cell<T>(o: Outcome<T>, f: (v: T) => string): string {
  return o.ok ? f(o.value) : "error";
}

function verdict(pass: boolean): string {
  return pass ? "PASS" : "MISS";
}
