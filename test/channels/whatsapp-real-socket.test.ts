// The real makeWASocket, pointed with waWebSocketUrl (channels.whatsapp.webSocketUrl) at a
// WebSocket server on 127.0.0.1: it connects and opens the Noise handshake with WhatsApp's
// prologue; a server-side close takes the reconnect path; a silent server trips the connect
// timeout; stopping leaves no sockets or timers behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { TestContext } from "node:test";
import { NOISE_WA_HEADER } from "@whiskeysockets/baileys";
import { pino } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import { resolveConfig } from "@clawdbot/sidecar";
import { whatsapp } from "../../sidecar/src/channels/whatsapp/index.js";
import type { ChannelAdapter } from "../../sidecar/src/channels/types.js";
import { defer } from "./cleanup.js";
import { eventually, tempStateDir } from "./harness.js";
import { FakeWhatsApp } from "../fakes/whatsapp/world.js";
import { seedLinkedCreds } from "./whatsapp-harness.js";

interface Server {
  url: string;
  connections: { ws: WebSocket; frames: Buffer[]; closed: boolean }[];
  wss: WebSocketServer;
}

async function loopbackServer(t: TestContext, onConnection: (c: Server["connections"][number]) => void): Promise<Server> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const server: Server = { url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws/chat`, connections: [], wss };
  wss.on("connection", (ws) => {
    const c = { ws, frames: [] as Buffer[], closed: false };
    server.connections.push(c);
    ws.on("message", (data: Buffer) => {
      c.frames.push(Buffer.from(data));
      onConnection(c);
    });
    ws.on("close", () => (c.closed = true));
  });
  defer(t, () => new Promise<void>((resolve) => wss.close(() => resolve())));
  return server;
}

async function realAdapter(t: TestContext, url: string, extra: Record<string, unknown> = {}): Promise<ChannelAdapter> {
  const stateDir = await tempStateDir(t);
  await seedLinkedCreds(stateDir, new FakeWhatsApp());
  const cfg = resolveConfig(
    { channels: { whatsapp: { webSocketUrl: url, connectTimeoutMs: 600, reconnect: { initialMs: 50, maxMs: 200 }, ...extra } } },
    { stateDir, configPath: `${stateDir}/clawdbot.json` },
    {},
  );
  const account = cfg.channels.whatsapp!.accounts["default"]!;
  const adapter = await whatsapp.create({
    account: account as never,
    stateDir,
    log: pino({ level: "silent" }),
    now: Date.now,
    events: { dropped: () => undefined },
    transport: undefined,
  });
  defer(t, () => adapter.stop());
  return adapter;
}

const sockets = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

test("connects to waWebSocketUrl and opens with WhatsApp's Noise prologue; a server-side close reconnects", async (t) => {
  const server = await loopbackServer(t, (c) => {
    if (c.frames.length === 1 && server.connections.length === 1) c.ws.close();
  });
  const adapter = await realAdapter(t, server.url);
  await adapter.start(new AbortController().signal, () => undefined);
  await eventually("a first frame", () => (server.connections[0]?.frames.length ?? 0) > 0);
  const first = server.connections[0]!.frames[0]!;
  assert.deepEqual(first.subarray(0, NOISE_WA_HEADER.length), NOISE_WA_HEADER, `prologue: ${first.subarray(0, 8).toString("hex")}`);
  await eventually("a reconnect after the close", () => server.connections.length >= 2, 10_000);
  assert.match(String(adapter.status().lastError), /connection closed \(428\)/);
});

test("a silent server trips the connect timeout and the adapter tries again", async (t) => {
  const server = await loopbackServer(t, () => undefined);
  const adapter = await realAdapter(t, server.url);
  await adapter.start(new AbortController().signal, () => undefined);
  await eventually("a second connection after the timeout", () => server.connections.length >= 2, 15_000);
  assert.ok(server.connections[0]!.frames.length > 0);
  assert.match(String(adapter.status().lastError), /connection closed \((408|428)\)/);
  assert.equal(adapter.status().connected, false);
});

test("stop leaves no sockets or timers behind", async (t) => {
  const server = await loopbackServer(t, () => undefined);
  await sleep(50);
  const baseSockets = sockets();
  const baseTimers = timers();
  // Baileys' own wait for the server's answer may already be armed when stop closes the socket on a
  // slow machine; it ends with its timeout, so a short one lets the check below see it gone.
  const adapter = await realAdapter(t, server.url, { connectTimeoutMs: 5_000 });
  await adapter.start(new AbortController().signal, () => undefined);
  await eventually("connected to the server", () => (server.connections[0]?.frames.length ?? 0) > 0);
  assert.ok(sockets() > baseSockets);
  await adapter.stop();
  await eventually("the server saw the close", () => server.connections.every((c) => c.closed));
  await eventually(`sockets back to ${baseSockets} (${sockets()}) and timers to ${baseTimers} (${timers()})`, () => sockets() <= baseSockets && timers() <= baseTimers, 20_000);
});
