/**
 * The baseline: a bare `ws` server on 127.0.0.1 that answers each text message with
 * JSON.stringify(JSON.parse(message)). Same process setup and ws options as the gateway.
 * With `reply: "health"` it is the reply floor instead: each request is answered with a response
 * frame shaped and sized like the gateway's default `health` answer (fresh timestamps, built and
 * serialized per request), so the client parses as much as it does for the gateway.
 */
import { WebSocketServer } from "ws";
import type { AddressInfo } from "node:net";
import { childConfig, emit, fail, listen } from "../lib/ipc.js";
import { memorySnapshot } from "../lib/memory.js";

interface EchoServerConfig {
  maxLifeMs: number;
  /** Broadcast a gateway-shaped `tick` event to every client this often: the fan-out floor. */
  tickIntervalMs?: number;
  reply?: "echo" | "health";
}

const startedAt = Date.now();

/** The gateway's default `health` payload in shape and size (~385 bytes), with this instant's times. */
function healthShaped(): unknown {
  const now = Date.now();
  const sessions = { count: 0, recent: [] };
  return {
    ok: true,
    ts: now,
    uptimeMs: now - startedAt,
    heartbeat: { enabled: true, intervalMs: 1_800_000, lastTs: null },
    channels: {},
    channelOrder: [],
    channelLabels: {},
    durationMs: 0,
    failingChannels: [],
    heartbeatSeconds: 1800,
    defaultAgentId: "main",
    agents: [{ agentId: "main", isDefault: true, mainSessionKey: "main", sessions }],
    sessions,
  };
}

function main(): void {
  const { maxLifeMs, tickIntervalMs, reply } = childConfig<EchoServerConfig>();
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 512 * 1024, perMessageDeflate: false });
  wss.on("connection", (ws) => {
    ws.on("error", () => undefined);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const req = JSON.parse(data.toString()) as { id?: unknown };
      ws.send(JSON.stringify(reply === "health" ? { type: "res", id: req.id, ok: true, payload: healthShaped() } : req));
    });
  });
  if (tickIntervalMs !== undefined) {
    setInterval(() => {
      const frame = JSON.stringify({ type: "event", event: "tick", payload: { ts: Date.now() } });
      for (const ws of wss.clients) ws.send(frame);
    }, tickIntervalMs).unref();
  }
  wss.on("listening", () => emit({ type: "ready", port: (wss.address() as AddressInfo).port, pid: process.pid }));
  const stop = () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  listen((cmd) => {
    if (cmd["cmd"] === "mem") emit({ type: "mem", ...memorySnapshot() });
    else if (cmd["cmd"] === "stop") stop();
  }, stop, maxLifeMs);
}

try {
  main();
} catch (err) {
  fail(err);
}
