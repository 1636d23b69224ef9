/**
 * The baseline: a bare `ws` server on 127.0.0.1 that answers each text message with
 * JSON.stringify(JSON.parse(message)). Same process setup and ws options as the gateway.
 */
import { WebSocketServer } from "ws";
import type { AddressInfo } from "node:net";
import { childConfig, emit, fail, listen } from "../lib/ipc.js";
import { memorySnapshot } from "../lib/memory.js";

interface EchoServerConfig {
  maxLifeMs: number;
  /** Broadcast a gateway-shaped `tick` event to every client this often: the fan-out floor. */
  tickIntervalMs?: number;
}

function main(): void {
  const { maxLifeMs, tickIntervalMs } = childConfig<EchoServerConfig>();
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 512 * 1024, perMessageDeflate: false });
  wss.on("connection", (ws) => {
    ws.on("error", () => undefined);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      ws.send(JSON.stringify(JSON.parse(data.toString()) as unknown));
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
