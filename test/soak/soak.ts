// The soak: a gateway process under hundreds of operator clients that connect, call and drop (half
// of them without a close frame), nodes that answer invokes, and a reconnect storm every minute.
// The gateway measures itself (test/support/gateway-child.ts): RSS, open descriptors, libuv handles
// and event-loop delay (monitorEventLoopDelay, reset at every read). A read is taken at every
// report mark and at the start and end of each storm, so delay outside storms is reported apart.
import WebSocket from "ws";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import { startGatewayProcess, type GatewayProcess, type GatewayStats } from "../support/gateway-process.js";
import { connectParams } from "../support/raw-client.js";

export interface SoakOptions {
  seconds: number;
  clients: number;
  nodes: number;
  /** Seconds between report lines. */
  intervalSeconds: number;
  /** A folder for a V8 CPU profile of the gateway, written when it stops (open in DevTools). */
  cpuProfileDir?: string;
  /** Seconds between reconnect storms. */
  stormEverySeconds: number;
  /** When the first storm comes (45 s by default, so the 30-s report marks fall outside storms). */
  firstStormAtSeconds?: number;
  log: (line: string) => void;
}

export interface Sample {
  atS: number;
  rss: number;
  fds: number;
  handles: number;
  handleTypes: Record<string, number>;
  /** Worst p99 of the calm (no storm) stretches since the previous report. */
  calmP99Ms: number;
  /** Worst p99 of storm stretches since the previous report (0: none). */
  stormP99Ms: number;
  calls: number;
  invokes: number;
  connects: number;
  drops: number;
}

export interface SoakReport {
  samples: Sample[];
  /** RSS after a forced GC at the baseline mark and at the end. */
  gcRss: { baseline: number; end: number };
  baselineAtS: number;
  storms: { atS: number; reconnectMs: number; reconnected: number; expected: number }[];
  totals: { connects: number; refusedConnects: number; calls: number; callErrors: number; callTimeouts: number; invokes: number; invokeErrors: number; drops: number; dropsWithoutClose: number };
  /** Failed invokes by cause: "operator link closed" or the gateway's error code. */
  invokeErrorsByCause: Record<string, number>;
  gateway: GatewayStats;
  crashed: boolean;
  pass: { rss: boolean; fds: boolean; eventLoop: boolean };
}

const CALL_TIMEOUT_MS = 30_000;
const CALLS: readonly { method: string; params?: unknown; scope: string }[] = [
  { method: "health", scope: "read" },
  { method: "status", scope: "read" },
  { method: "system-presence", scope: "read" },
  { method: "node.list", scope: "read" },
  { method: "chat.history", params: { sessionKey: "main", limit: 5 }, scope: "read" },
  { method: "last-heartbeat", scope: "read" },
];

const rand = (min: number, max: number): number => min + Math.random() * (max - min);

/** One socket with request/response matching. */
class Link {
  private pending = new Map<string, (f: Record<string, unknown> | undefined) => void>();
  private seq = 0;
  readonly closed: Promise<void>;
  onEvent: ((event: string, payload: Record<string, unknown>) => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once("close", () => {
      for (const p of this.pending.values()) p(undefined);
      this.pending.clear();
      resolve();
    }));
    ws.on("error", () => undefined);
    ws.on("message", (data: Buffer) => {
      const f = JSON.parse(data.toString()) as Record<string, unknown>;
      if (f["type"] === "res") {
        const p = this.pending.get(String(f["id"]));
        if (p && !(f["ok"] === true && (f["payload"] as { status?: string } | undefined)?.status === "accepted")) {
          this.pending.delete(String(f["id"]));
          p(f);
        }
      } else if (f["type"] === "event") this.onEvent?.(String(f["event"]), (f["payload"] ?? {}) as Record<string, unknown>);
    });
  }

  static open(url: string): Promise<Link | undefined> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const l = new Link(ws);
      let nonce: string | undefined;
      l.onEvent = (e, p) => {
        if (e === "connect.challenge") nonce = String(p["nonce"]);
        if (nonce !== undefined) resolve(Object.assign(l, { nonce }));
      };
      ws.once("error", () => resolve(undefined));
      ws.once("close", () => resolve(undefined));
    });
  }

  nonce = "";

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a request; resolves with its response, or undefined on close or timeout. */
  request(method: string, params?: unknown): Promise<Record<string, unknown> | undefined> {
    const id = `s${++this.seq}`;
    return new Promise((resolve) => {
      if (!this.open) return resolve(undefined);
      const t = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, (f) => (clearTimeout(t), resolve(f)));
      this.ws.send(JSON.stringify(params === undefined ? { type: "req", id, method } : { type: "req", id, method, params }));
    });
  }

  /** Drops the connection: with a close frame, or by destroying the TCP socket. */
  drop(withClose: boolean): Promise<void> {
    if (withClose) this.ws.close();
    else this.ws.terminate();
    return this.closed;
  }
}

/** A promise that resolves when the current storm starts; renewed after each storm. */
class StormSignal {
  private fire!: () => void;
  started!: Promise<void>;
  constructor() {
    this.arm();
  }
  arm(): void {
    this.started = new Promise((resolve) => (this.fire = resolve));
  }
  trigger(): void {
    this.fire();
  }
}

/** Runs the soak and prints a line per interval; resolves with the figures and the verdict. */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const gw: GatewayProcess = await startGatewayProcess({}, o.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfileDir}`] : []);
  let crashed = false;
  let stopping = false;
  void gw.exited.then(() => (crashed = !stopping));
  const totals = { connects: 0, refusedConnects: 0, calls: 0, callErrors: 0, callTimeouts: 0, invokes: 0, invokeErrors: 0, drops: 0, dropsWithoutClose: 0 };
  const invokeErrorsByCause: Record<string, number> = {};
  const storm = new StormSignal();
  let stormActive = false;
  let stopped = false;
  const identities = { clients: Array.from({ length: o.clients }, generateIdentity), nodes: Array.from({ length: o.nodes }, generateIdentity) };
  const tokens = new Map<string, string>();
  const liveNodes = new Set<string>();

  /** Connects one identity (device token once it holds one, as clients do); undefined when refused. */
  const connect = async (identity: DeviceIdentity, role: "operator" | "node", mode: "cli" | "ui" | "node"): Promise<Link | undefined> => {
    const link = await Link.open(gw.url);
    if (!link) return undefined;
    const token = tokens.get(`${identity.deviceId}/${role}`);
    const scopes = role === "operator" ? ["operator.read", "operator.write"] : [];
    const params = connectParams({ identity, role, scopes, nonce: link.nonce, clientId: role === "node" ? "node-host" : mode === "ui" ? "webchat-ui" : "cli", mode: role === "node" ? "node" : mode === "ui" ? "webchat" : "cli", ...(token ? { token } : {}) });
    if (role === "node") Object.assign(params, { caps: ["system"], commands: ["system.which", "system.info"] });
    const res = await link.request("connect", params);
    if (res?.["ok"] !== true) {
      totals.refusedConnects++;
      await link.drop(false);
      return undefined;
    }
    totals.connects++;
    const auth = (res["payload"] as { auth?: { deviceToken?: string } }).auth;
    if (auth?.deviceToken) tokens.set(`${identity.deviceId}/${role}`, auth.deviceToken);
    return link;
  };

  const pause = (ms: number): Promise<"storm" | "time"> => Promise.race([new Promise<"time">((r) => setTimeout(() => r("time"), ms)), storm.started.then(() => "storm" as const)]);

  let reconnected = 0;
  const clientLoop = async (identity: DeviceIdentity, i: number): Promise<void> => {
    const mode = i % 5 === 0 ? "ui" : "cli";
    while (!stopped) {
      const link = await connect(identity, "operator", mode);
      if (stormActive) reconnected++;
      if (!link) {
        await pause(1000);
        continue;
      }
      const until = Date.now() + rand(10_000, 30_000);
      let interrupted = false;
      while (!stopped && link.open && Date.now() < until) {
        if ((await pause(rand(1000, 3000))) === "storm") {
          interrupted = true;
          break;
        }
        const nodes = [...liveNodes];
        if (Math.random() < 0.15 && nodes.length > 0) {
          const nodeId = nodes[Math.floor(Math.random() * nodes.length)]!;
          const res = await link.request("node.invoke", { nodeId, command: "system.which", params: { bins: ["sh"] }, timeoutMs: 10_000, idempotencyKey: `${identity.deviceId}-${Date.now()}-${Math.random()}` });
          totals.invokes++;
          if (res?.["ok"] !== true) {
            totals.invokeErrors++;
            // Why: the operator's own socket went (storm, drop) or the gateway's error code (a node that just left: UNAVAILABLE).
            const why = res === undefined ? "operator link closed" : String((res["error"] as { code?: string } | undefined)?.code ?? "?");
            invokeErrorsByCause[why] = (invokeErrorsByCause[why] ?? 0) + 1;
          }
        } else {
          const call = CALLS[Math.floor(Math.random() * CALLS.length)]!;
          const res = await link.request(call.method, call.params);
          totals.calls++;
          if (res === undefined) totals.callTimeouts++;
          else if (res["ok"] !== true) totals.callErrors++;
        }
      }
      const withClose = Math.random() < 0.5;
      totals.drops++;
      if (!withClose) totals.dropsWithoutClose++;
      await link.drop(withClose);
      if (!interrupted && !stopped) await pause(rand(500, 2000));
    }
  };

  const nodeLoop = async (identity: DeviceIdentity): Promise<void> => {
    while (!stopped) {
      const link = await connect(identity, "node", "node");
      if (stormActive) reconnected++;
      if (!link) {
        await pause(1000);
        continue;
      }
      liveNodes.add(identity.deviceId);
      link.onEvent = (event, p) => {
        if (event !== "node.invoke.request") return;
        void link.request("node.invoke.result", { id: p["id"], nodeId: p["nodeId"], ok: true, payload: { found: { sh: "/bin/sh" } } });
      };
      while (!stopped && link.open) {
        if ((await pause(rand(3000, 6000))) === "storm") break;
        await link.request("node.event", { event: "soak.heartbeat", payload: { ts: Date.now() } });
      }
      liveNodes.delete(identity.deviceId);
      const withClose = Math.random() < 0.5;
      totals.drops++;
      if (!withClose) totals.dropsWithoutClose++;
      await link.drop(withClose);
    }
  };

  // Warm-up (not measured): every identity pairs once (local auto-approval) and keeps its token.
  const warm = [...identities.clients.map((id) => [id, "operator"] as const), ...identities.nodes.map((id) => [id, "node"] as const)];
  for (let i = 0; i < warm.length; i += 25) {
    await Promise.all(warm.slice(i, i + 25).map(async ([id, role]) => (await connect(id, role, role === "node" ? "node" : "cli"))?.drop(true)));
  }
  o.log(`soak: ${o.clients} clients, ${o.nodes} nodes paired; running ${o.seconds} s, a reconnect storm every ${o.stormEverySeconds} s`);

  const t0 = Date.now();
  const loops = [...identities.clients.map((id, i) => clientLoop(id, i)), ...identities.nodes.map((id) => nodeLoop(id))];

  // Every gateway read resets its delay histogram, so each read covers one calm or storm stretch.
  const stretches: { storm: boolean; p99: number }[] = [];
  let last: GatewayStats | undefined;
  const read = async (wasStorm: boolean): Promise<GatewayStats | undefined> => {
    if (crashed) return undefined;
    const s = await gw.stats().catch(() => undefined);
    if (s) {
      stretches.push({ storm: wasStorm, p99: s.eventLoopP99Ms });
      last = s;
    }
    return s;
  };
  await read(false);

  const samples: Sample[] = [];
  const storms: SoakReport["storms"] = [];
  const baselineAtS = o.seconds >= 300 ? 120 : Math.max(o.intervalSeconds, Math.floor((o.seconds * 0.4) / o.intervalSeconds) * o.intervalSeconds);
  let gcBaseline = 0;
  let gcEnd = 0;
  let prev = { ...totals };
  const events: { at: number; kind: "report" | "storm" }[] = [];
  for (let t = o.intervalSeconds; t <= o.seconds; t += o.intervalSeconds) events.push({ at: t, kind: "report" });
  // The end is always a report mark (and its GC'd RSS the end figure), whatever the interval.
  if (o.seconds % o.intervalSeconds !== 0) events.push({ at: o.seconds, kind: "report" });
  for (let t = o.firstStormAtSeconds ?? 45; t < o.seconds - 5; t += o.stormEverySeconds) events.push({ at: t, kind: "storm" });
  events.sort((a, b) => a.at - b.at);

  for (const ev of events) {
    const wait = ev.at * 1000 - (Date.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (crashed) break;
    if (ev.kind === "storm") {
      await read(false);
      const stormStart = Date.now();
      reconnected = 0;
      stormActive = true;
      storm.trigger();
      storm.arm();
      const everyone = o.clients + o.nodes;
      while (reconnected < everyone && Date.now() - stormStart < 60_000 && !crashed) await new Promise((r) => setTimeout(r, 50));
      const reconnectMs = Date.now() - stormStart;
      await new Promise((r) => setTimeout(r, 2000)); // the storm's tail: closes of the old sockets, presence fan-out
      stormActive = false;
      await read(true);
      storms.push({ atS: Math.round((stormStart - t0) / 1000), reconnectMs, reconnected, expected: everyone });
      o.log(`storm at ${Math.round((stormStart - t0) / 1000)} s: ${reconnected}/${everyone} reconnected in ${reconnectMs} ms`);
      continue;
    }
    const s = await read(false);
    if (!s) break;
    const since = stretches.splice(0);
    const calm = since.filter((x) => !x.storm).map((x) => x.p99);
    const stormy = since.filter((x) => x.storm).map((x) => x.p99);
    const sample: Sample = {
      atS: ev.at,
      rss: s.rss,
      fds: s.fds,
      handles: Object.values(s.handles).reduce((a, b) => a + b, 0),
      handleTypes: s.handles,
      calmP99Ms: Math.max(0, ...calm),
      stormP99Ms: Math.max(0, ...stormy),
      calls: totals.calls - prev.calls,
      invokes: totals.invokes - prev.invokes,
      connects: totals.connects - prev.connects,
      drops: totals.drops - prev.drops,
    };
    prev = { ...totals };
    samples.push(sample);
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    o.log(
      `t=${String(ev.at).padStart(4)} s  RSS ${mb(sample.rss)} MB  fds ${sample.fds}  handles ${sample.handles} (${Object.entries(s.handles).map(([k, v]) => `${k} ${v}`).join(", ")})  ` +
        `event-loop p99 ${sample.calmP99Ms.toFixed(1)} ms calm${sample.stormP99Ms > 0 ? ` / ${sample.stormP99Ms.toFixed(1)} ms storm` : ""}  ` +
        `calls ${sample.calls} invokes ${sample.invokes} connects ${sample.connects} drops ${sample.drops}`,
    );
    if (ev.at === baselineAtS || ev.at === o.seconds) {
      await gw.gc();
      const g = (await read(false))?.rss ?? 0;
      if (ev.at === baselineAtS) gcBaseline = g;
      if (ev.at === o.seconds) gcEnd = g;
    }
  }
  stopped = true;
  storm.trigger();
  await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 40_000))]);
  const final = (await read(false)) ?? last;
  stopping = true;
  await gw.stop();

  const base = samples.find((s) => s.atS === baselineAtS);
  const end = samples.at(-1);
  const within = (a: number, b: number) => Math.abs(a - b) <= 0.1 * b;
  return {
    samples,
    gcRss: { baseline: gcBaseline, end: gcEnd },
    baselineAtS,
    storms,
    totals,
    invokeErrorsByCause,
    gateway: final ?? ({} as GatewayStats),
    crashed,
    pass: {
      rss: !crashed && gcBaseline > 0 && gcEnd > 0 && within(gcEnd, gcBaseline),
      fds: !crashed && base !== undefined && end !== undefined && within(end.fds, base.fds),
      eventLoop: !crashed && samples.length > 0 && samples.every((s) => s.calmP99Ms < 20),
    },
  };
}
