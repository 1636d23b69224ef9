// The fuzz driver: a real gateway in its own process on loopback, and lanes of connections sending
// mutated frames in every connection state — before connect, as the connect itself, right behind
// a connect (mid-handshake), as a connected operator, and as a node answering invokes. Every frame
// the gateway sends back goes through the contract ledger; at the end the gateway's own counters
// (uncaught exceptions, unhandled rejections, error log lines) and RSS are read.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import { startGatewayProcess, type GatewayProcess, type GatewayStats } from "../support/gateway-process.js";
import { connectParams } from "../support/raw-client.js";
import { Ledger, excerpt, type Finding, type FindingKind } from "./contract.js";
import { Draw, FramePlans, fuzzHints, loadProtocolDocument, type ConnectPlan, type RequestPlan } from "./frames.js";
import { Binary, MUTATION_KINDS, applyMutations, badUtf8Arb, mutationsArb, type FrameBytes, type Mutation } from "./mutate.js";

export type State = "before-connect" | "connect" | "mid-handshake" | "operator" | "node";
export type MutationCount = "none" | Mutation["kind"];

export interface FuzzOptions {
  frames: number;
  seed: number;
  /** Connections driven at once. */
  lanes?: number;
  progress?: (line: string) => void;
  /** Stops sending new frames; the run then settles and reports what it did. */
  signal?: AbortSignal;
  /** A folder for V8 heap snapshots of the gateway at the warm mark and at the end (warm.heapsnapshot, end.heapsnapshot); writing one raises RSS, so such a run says nothing about RSS. */
  heapSnapshots?: string;
}

export interface FuzzReport {
  seed: number;
  frames: number;
  framesByState: Record<State, number>;
  framesByMutation: Record<MutationCount, number>;
  connections: number;
  responses: number;
  events: number;
  answers: Record<string, number>;
  closes: Record<string, number>;
  findings: Record<FindingKind, number>;
  /** The first findings of each kind, with the frame that caused them. */
  examples: Finding[];
  crashed: boolean;
  rss: { start: number; warm: number; end: number };
  /** V8 heap in use after GC at the warm mark and at the end (RSS growth without heap growth is the allocator's). */
  heap: { warm: number; end: number };
  /** Memory outside the V8 heap (Buffers and the like) after GC at the warm mark and at the end. */
  external: { warm: number; end: number };
  /** Open descriptors of the gateway at the warm mark and at the end. */
  fds: { warm: number; end: number };
  gateway: GatewayStats;
  durationMs: number;
  /** CPU time the gateway process used during the run. */
  gatewayCpuMs: number;
}

/** User + system CPU milliseconds of a process so far (Linux /proc). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

// Methods that legitimately wait past a session's end (for a node, an approval, a login, a run).
const MAY_WAIT: ReadonlySet<string> = new Set(["agent.wait", "node.invoke", "exec.approval.request", "web.login.wait", "agent"]);
// Close codes a gateway may use when refusing a peer: policy, protocol mismatch, too big, bad UTF-8.
const REFUSAL_CLOSES: ReadonlySet<number> = new Set([1008, 1002, 1009, 1007]);
// Share of frames per state (connected states carry most; each pre-connect frame costs a socket).
const STATE_WEIGHTS: readonly [State, number][] = [
  ["before-connect", 3],
  ["connect", 5],
  ["mid-handshake", 6],
  ["operator", 62],
  ["node", 24],
];
const SESSION_FRAMES = 40; // below the gateway's 50 invalid frames per connection, most of the time
const POOL_OPERATORS = 6;
const POOL_NODES = 4;
const ANSWER_WAIT_MS = 60_000; // liveness bound on a loaded machine, not a timing assertion
const EXAMPLES_PER_KIND = 3;

/** One fuzzing socket: sends bytes through its ledger, resolves waits on frames or close. */
class Conn {
  readonly ledger = new Ledger();
  readonly closed: Promise<{ code: number; byServer: boolean }>;
  readonly challenge: Promise<string | undefined>;
  private closing = false;
  private waiters: { pred: (f: Parsed) => boolean; resolve: (f: Parsed | undefined) => void }[] = [];
  onEvent: ((event: string, payload: unknown) => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once("close", (code) => {
      for (const w of this.waiters.splice(0)) w.resolve(undefined);
      resolve({ code, byServer: !this.closing });
    }));
    ws.on("error", () => undefined);
    this.challenge = this.wait((f) => f.event === "connect.challenge").then((f) => (f?.payload as { nonce?: string } | undefined)?.nonce);
    ws.on("message", (data: Buffer) => {
      const parsed = this.ledger.receive(data.toString());
      if (parsed.event !== undefined) this.onEvent?.(parsed.event, parsed.payload);
      for (const w of [...this.waiters]) {
        if (w.pred(parsed)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    });
  }

  static open(url: string, localAddress: string): Promise<Conn | undefined> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
      const c = new Conn(ws);
      ws.once("open", () => resolve(c));
      ws.once("error", () => resolve(undefined));
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends one frame (text, bytes that are not valid UTF-8 sent as a text frame, or a binary frame). */
  send(bytes: FrameBytes): Promise<void> {
    if (!(bytes instanceof Binary)) this.ledger.recordSent(bytes);
    if (!this.open) return Promise.resolve();
    const [data, binary] = bytes instanceof Binary ? [bytes.bytes, true] : [bytes, false];
    return new Promise((resolve) => this.ws.send(data, { binary }, () => resolve()));
  }

  /** The first frame matching `pred` from now on; undefined once closed or after `ms`. */
  wait(pred: (f: Parsed) => boolean, ms = ANSWER_WAIT_MS): Promise<Parsed | undefined> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve(undefined);
      const w = { pred, resolve: (f: Parsed | undefined) => (clearTimeout(t), resolve(f)) };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        resolve(undefined);
      }, ms);
      this.waiters.push(w);
    });
  }

  /** Closes (half the time without a close frame) and waits for the socket to go. */
  async end(terminate: boolean): Promise<{ code: number; byServer: boolean }> {
    this.closing = this.open;
    if (terminate) this.ws.terminate();
    else this.ws.close();
    return this.closed;
  }
}

type Parsed = ReturnType<Ledger["receive"]>;

interface Pool {
  operators: DeviceIdentity[];
  nodes: DeviceIdentity[];
}

/** Shared state of one run. */
class Run {
  left: number;
  readonly framesByState: Record<State, number> = { "before-connect": 0, connect: 0, "mid-handshake": 0, operator: 0, node: 0 };
  /** Frames carrying each mutation kind ("none": sent as drawn from the schema). */
  readonly framesByMutation = Object.fromEntries(["none", ...MUTATION_KINDS].map((k) => [k, 0])) as Record<MutationCount, number>;
  connections = 0;
  responses = 0;
  events = 0;
  readonly answers: Record<string, number> = {};
  readonly closes: Record<string, number> = {};
  readonly findings = {} as Record<FindingKind, number>;
  readonly examples: Finding[] = [];
  private addr = 0;

  constructor(
    readonly total: number,
    readonly url: string,
    readonly plans: FramePlans,
    readonly pool: Pool,
  ) {
    this.left = total;
  }

  /** Counts one frame sent in `state` with these mutations. */
  count(state: State, mutations: readonly Mutation[]): void {
    this.framesByState[state]++;
    if (mutations.length === 0) this.framesByMutation.none++;
    for (const kind of new Set(mutations.map((m) => m.kind))) this.framesByMutation[kind]++;
  }

  take(n: number): number {
    const got = Math.max(0, Math.min(n, this.left));
    this.left -= got;
    return got;
  }

  finding(f: Finding): void {
    this.findings[f.kind] = (this.findings[f.kind] ?? 0) + 1;
    if (this.examples.filter((e) => e.kind === f.kind).length < EXAMPLES_PER_KIND) this.examples.push(f);
  }

  /** Hostile sockets come from rotating loopback addresses, so refusals rate-limit them, not the rest. */
  hostileAddress(): string {
    this.addr = (this.addr + 1) % 250;
    return `127.0.0.${this.addr + 2}`;
  }

  async settle(conn: Conn, state: State, expectedClose: boolean): Promise<void> {
    const { code, byServer } = await conn.closed;
    const key = `${state} ${byServer ? "server" : "client"} ${code}`;
    this.closes[key] = (this.closes[key] ?? 0) + 1;
    if (byServer && !REFUSAL_CLOSES.has(code) && !(expectedClose && code === 1000)) {
      this.finding({ kind: "bad-close", detail: `${state}: gateway closed with ${code}` });
    }
    this.responses += conn.ledger.responses;
    this.events += conn.ledger.events;
    for (const [c, n] of conn.ledger.errorCodes) this.answers[c] = (this.answers[c] ?? 0) + n;
    for (const f of conn.ledger.findings) this.finding(f);
  }
}

function requestBytes(plan: RequestPlan, id: string): FrameBytes {
  const frame: Record<string, unknown> = { type: "req", id, method: plan.method };
  if (plan.params !== undefined) frame["params"] = plan.params;
  return applyMutations(frame, plan.mutations);
}

function connectBytes(plan: ConnectPlan, id: string, nonce: string | undefined, identity: DeviceIdentity): FrameBytes {
  let params = plan.params;
  if (plan.signed) {
    const signed = connectParams({ identity, role: plan.role, scopes: plan.scopes, nonce: nonce ?? null });
    const drawn = (plan.params ?? {}) as Record<string, unknown>;
    const drawnClient = (drawn["client"] ?? {}) as Record<string, unknown>;
    // Unsigned fields (display name, caps, commands, permissions, locale…) stay as drawn.
    params = { ...drawn, ...signed, client: { ...drawnClient, ...signed.client } };
  }
  return applyMutations({ type: "req", id, method: "connect", params }, plan.mutations);
}

/** Connects a pool identity the ordinary way; undefined when the gateway refused it. */
async function connectValid(run: Run, identity: DeviceIdentity, role: "operator" | "node", scopes: string[], extra: FrameBytes[] = []): Promise<Conn | undefined> {
  const conn = await Conn.open(run.url, "127.0.0.1");
  if (!conn) return undefined;
  run.connections++;
  const nonce = await conn.challenge;
  const params = connectParams({ identity, role, scopes, nonce: nonce ?? null, mode: role === "node" ? "node" : "test", clientId: role === "node" ? "node-host" : "test" });
  if (role === "node") Object.assign(params, { caps: ["system", "canvas"], commands: ["system.run", "system.which", "canvas.present", "fuzz.echo"] });
  const hello = conn.wait((f) => f.id === "c0");
  await conn.send(JSON.stringify({ type: "req", id: "c0", method: "connect", params }));
  for (const bytes of extra) await conn.send(bytes);
  const res = await hello;
  return res?.ok ? conn : undefined;
}

/**
 * Sends up to `count` frames on a connected socket (one in ten sessions ends on bytes that are not
 * UTF-8), then a sentinel, then waits for every request that must be answered.
 */
async function exchange(run: Run, conn: Conn, state: State, draw: Draw, count: number, node: boolean): Promise<void> {
  const endsBadly = draw.int(10) === 0;
  for (let i = 1; i <= count && conn.open && run.take(1) === 1; i++) {
    const plan = draw.next(node ? run.plans.nodeRequest : run.plans.request);
    const last = endsBadly && i === count;
    const sent = last ? { ...plan, mutations: [...plan.mutations, draw.next(badUtf8Arb)] } : plan;
    await conn.send(requestBytes(sent, `f${i}`));
    run.count(state, sent.mutations);
  }
  if (!conn.open) return;
  const sentinel = await Promise.all([conn.wait((f) => f.id === "sentinel"), conn.send(JSON.stringify({ type: "req", id: "sentinel", method: node ? "node.event" : "health", params: node ? { event: "fuzz.done" } : {} }))]);
  if (!sentinel[0]) return;
  // Handlers finish in any order; what is still missing gets until the liveness bound.
  if (conn.ledger.unanswered(MAY_WAIT).length > 0) await conn.wait(() => conn.ledger.unanswered(MAY_WAIT).length === 0);
  if (!conn.open) return;
  for (const id of conn.ledger.unanswered(MAY_WAIT)) {
    run.finding({ kind: "unanswered", detail: `${state}: request ${id} got no answer`, frame: excerpt(conn.ledger.sentText(id) ?? "") });
  }
}

async function beforeConnect(run: Run, draw: Draw): Promise<void> {
  if (run.take(1) === 0) return;
  const conn = await Conn.open(run.url, run.hostileAddress());
  if (!conn) return;
  run.connections++;
  if (draw.int(2) === 0) await conn.challenge;
  const drawn = draw.next(run.plans.request);
  const plan = draw.int(20) === 0 ? { ...drawn, mutations: [...drawn.mutations, draw.next(badUtf8Arb)] } : drawn;
  await conn.send(requestBytes(plan, "p1"));
  run.count("before-connect", plan.mutations);
  const answer = await Promise.race([conn.wait((f) => f.id === "p1"), conn.closed.then(() => undefined)]);
  if (answer?.ok) await conn.end(draw.int(2) === 0);
  await Promise.race([conn.closed, conn.wait(() => false, ANSWER_WAIT_MS).then(() => conn.end(true))]);
  await run.settle(conn, "before-connect", false);
}

async function mutatedConnect(run: Run, draw: Draw): Promise<void> {
  if (run.take(1) === 0) return;
  const conn = await Conn.open(run.url, run.hostileAddress());
  if (!conn) return;
  run.connections++;
  const nonce = await conn.challenge;
  const plan = draw.next(run.plans.connect);
  const identity = plan.role === "node" ? run.pool.nodes[draw.int(POOL_NODES)]! : run.pool.operators[draw.int(POOL_OPERATORS)]!;
  const hello = conn.wait((f) => f.id === "c1");
  await conn.send(connectBytes(plan, "c1", nonce, identity));
  run.count("connect", plan.mutations);
  const res = await hello;
  if (res?.ok) {
    await exchange(run, conn, "connect", draw, 5, plan.role === "node");
    await conn.end(draw.int(2) === 0);
  } else {
    await Promise.race([conn.closed, conn.wait(() => false, ANSWER_WAIT_MS).then(() => conn.end(true))]);
  }
  await run.settle(conn, "connect", res?.ok === true);
}

async function midHandshake(run: Run, draw: Draw): Promise<void> {
  const n = run.take(8);
  if (n === 0) return;
  const plans = Array.from({ length: n }, () => draw.next(run.plans.request));
  const extra = plans.map((plan, i) => requestBytes(plan, `m${i}`));
  for (const plan of plans) run.count("mid-handshake", plan.mutations);
  const node = draw.int(4) === 0;
  const identity = node ? run.pool.nodes[draw.int(POOL_NODES)]! : run.pool.operators[draw.int(POOL_OPERATORS)]!;
  const conn = await connectValid(run, identity, node ? "node" : "operator", node ? [] : ["operator.admin"], extra);
  if (!conn) return;
  await exchange(run, conn, "mid-handshake", draw, 0, node);
  await conn.end(draw.int(2) === 0);
  await run.settle(conn, "mid-handshake", true);
}

const SCOPE_SETS = [["operator.admin"], ["operator.read"], ["operator.read", "operator.write"], ["operator.pairing"], ["operator.approvals", "operator.write"]];

async function operator(run: Run, draw: Draw): Promise<void> {
  if (run.left === 0) return;
  const scopes = SCOPE_SETS[draw.int(4) === 0 ? draw.int(SCOPE_SETS.length) : 0]!;
  const conn = await connectValid(run, run.pool.operators[draw.int(POOL_OPERATORS)]!, "operator", scopes);
  if (!conn) {
    run.finding({ kind: "bad-close", detail: "a pool operator could not connect" });
    return;
  }
  await exchange(run, conn, "operator", draw, SESSION_FRAMES, false);
  await conn.end(draw.int(2) === 0);
  await run.settle(conn, "operator", true);
}

async function node(run: Run, draw: Draw): Promise<void> {
  if (run.left === 0) return;
  const identity = run.pool.nodes[draw.int(POOL_NODES)]!;
  const conn = await connectValid(run, identity, "node", []);
  if (!conn) {
    run.finding({ kind: "bad-close", detail: "a pool node could not connect" });
    return;
  }
  let seq = 0;
  // Invokes routed here (from operator frames) get a mutated result, or none at all.
  conn.onEvent = (event, payload) => {
    if (event !== "node.invoke.request" || draw.int(5) === 0 || run.take(1) === 0) return;
    const p = payload as { id?: unknown; nodeId?: unknown };
    const frame = { type: "req", id: `ir${++seq}`, method: "node.invoke.result", params: { id: p.id, nodeId: p.nodeId, ok: draw.int(3) > 0, payload: { echoed: true } } };
    const mutations = draw.next(mutationsArb);
    void conn.send(applyMutations(frame, mutations));
    run.count("node", mutations);
  };
  await exchange(run, conn, "node", draw, SESSION_FRAMES, true);
  await conn.end(draw.int(2) === 0);
  await run.settle(conn, "node", true);
}

const SESSIONS: Record<State, (run: Run, draw: Draw) => Promise<void>> = {
  "before-connect": beforeConnect,
  connect: mutatedConnect,
  "mid-handshake": midHandshake,
  operator,
  node,
};

/** Frames per session of each state, to turn frame shares into session odds. */
const FRAMES_PER_SESSION: Record<State, number> = { "before-connect": 1, connect: 1, "mid-handshake": 8, operator: SESSION_FRAMES, node: SESSION_FRAMES };

function pickState(draw: Draw): State {
  const odds = STATE_WEIGHTS.map(([s, w]) => [s, w / FRAMES_PER_SESSION[s]] as const);
  const total = odds.reduce((a, [, w]) => a + w, 0);
  let x = (draw.int(1_000_000) / 1_000_000) * total;
  for (const [s, w] of odds) if ((x -= w) < 0) return s;
  return "operator";
}

async function lane(run: Run, seed: number): Promise<void> {
  const draw = new Draw(seed);
  while (run.left > 0) await SESSIONS[pickState(draw)](run, draw);
}

/** Pairs the pool identities (local auto-approval) so fuzz sessions connect without writes. */
async function pairPool(url: string): Promise<Pool> {
  const pool: Pool = { operators: Array.from({ length: POOL_OPERATORS }, generateIdentity), nodes: Array.from({ length: POOL_NODES }, generateIdentity) };
  const probe = new Run(0, url, undefined as unknown as FramePlans, pool);
  for (const [list, role] of [[pool.operators, "operator"], [pool.nodes, "node"]] as const) {
    for (const identity of list) {
      const conn = await connectValid(probe, identity, role, role === "operator" ? ["operator.admin"] : []);
      if (!conn) throw new Error(`could not pair a ${role} of the fuzz pool`);
      await conn.end(false);
    }
  }
  return pool;
}

/** Runs `frames` fuzz frames against a fresh gateway process and reports what it saw. */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const gw: GatewayProcess = await startGatewayProcess();
  let crashed = false;
  let stopping = false;
  void gw.exited.then(() => (crashed = !stopping));
  try {
    const pool = await pairPool(gw.url);
    await gw.gc();
    const start = (await gw.stats()).rss;
    const cpuStart = cpuMs(gw.pid);
    const plans = new FramePlans(loadProtocolDocument(), fuzzHints(pool.nodes.map((n) => n.deviceId), pool.operators.map((o) => o.deviceId)));
    const run = new Run(opts.frames, gw.url, plans, pool);
    opts.signal?.addEventListener("abort", () => (run.left = 0));
    const lanes = opts.lanes ?? 8;
    let warm = 0;
    let warmFds = 0;
    let warmHeap = 0;
    let warmExternal = 0;
    const warmAt = Math.floor(opts.frames * 0.9);
    const ticker = setInterval(() => {
      const done = opts.frames - run.left;
      opts.progress?.(`fuzz: ${done}/${opts.frames} frames, ${run.connections} connections, findings ${JSON.stringify(run.findings)}`);
    }, 10_000);
    const warmUp = (async () => {
      while (run.left > warmAt && !crashed) await new Promise((r) => setTimeout(r, 200));
      if (!crashed) {
        await gw.gc();
        const stats = await gw.stats();
        warm = stats.rss;
        warmFds = stats.fds;
        warmHeap = stats.heapUsed;
        warmExternal = stats.external;
        if (opts.heapSnapshots) await gw.heapSnapshot(join(opts.heapSnapshots, "warm.heapsnapshot"));
      }
    })();
    try {
      await Promise.race([Promise.all(Array.from({ length: lanes }, (_, i) => lane(run, opts.seed + i * 104_729))), gw.exited]);
      await warmUp;
    } finally {
      clearInterval(ticker);
    }
    if (crashed) run.finding({ kind: "crash", detail: `gateway exited: ${gw.stderr().slice(-2000)}` });
    let stats: GatewayStats | undefined;
    const gatewayCpuMs = cpuMs(gw.pid) - cpuStart;
    if (!crashed) {
      await gw.gc();
      stats = await gw.stats();
      if (opts.heapSnapshots) await gw.heapSnapshot(join(opts.heapSnapshots, "end.heapsnapshot"));
      if (stats.uncaughtExceptions > 0) run.finding({ kind: "uncaught-exception", detail: `${stats.uncaughtExceptions}: ${stats.errors.join("\n")}` });
      if (stats.unhandledRejections > 0) run.finding({ kind: "unhandled-rejection", detail: `${stats.unhandledRejections}: ${stats.errors.join("\n")}` });
      if (stats.loggedErrors > 0) run.finding({ kind: "logged-error", detail: `${stats.loggedErrors}: ${stats.errors.join("\n")}` });
    }
    return {
      seed: opts.seed,
      frames: opts.frames - run.left,
      framesByState: run.framesByState,
      framesByMutation: run.framesByMutation,
      connections: run.connections,
      responses: run.responses,
      events: run.events,
      answers: run.answers,
      closes: run.closes,
      findings: run.findings,
      examples: run.examples,
      crashed,
      rss: { start, warm, end: stats?.rss ?? 0 },
      fds: { warm: warmFds, end: stats?.fds ?? 0 },
      heap: { warm: warmHeap, end: stats?.heapUsed ?? 0 },
      external: { warm: warmExternal, end: stats?.external ?? 0 },
      gateway: stats ?? ({} as GatewayStats),
      durationMs: Date.now() - started,
      gatewayCpuMs,
    };
  } finally {
    stopping = true;
    await gw.stop();
  }
}
