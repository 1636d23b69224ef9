/**
 * WhatsApp channel latency: a gateway (in this process, echo agent, dmPolicy "open") with its
 * WhatsApp channel on the fake socket (Baileys' own event buffer and protos). 2,000 DMs are
 * pushed over 50 chats (200/s); each latency is the push → the matching sendMessage at the
 * fake. The baseline, measured in the same run, is the floor: the same pushes through the same
 * event buffer to a handler that waits the echo agent's delay and sends at once. Reports median
 * and p99 of both, the gateway-added latency, the ratio to the floor and the delivered count.
 *
 * `node --import tsx bench/whatsapp-latency.ts [--messages 2000] [--chats 50] [--rate 200]` after a build.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { initAuthCreds, normalizeMessageContent, type BaileysEventMap } from "@whiskeysockets/baileys";
import { FakeWhatsApp } from "../test/fakes/whatsapp/world.js";
import { seedLinkedCreds } from "../test/channels/whatsapp-harness.js";
import { startGateway } from "../test/support/gateway.js";
import { Samples, type LatencySummary } from "./lib/stats.js";
import { fmtMs, fmtRate, renderTable } from "./lib/table.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The echo agent streams its reply in 3 deltas 15 ms apart. */
const ECHO_DELAY_MS = 3 * 15;
const DRAIN_MS = 30_000;

export interface WhatsAppLatencyOptions {
  messages?: number;
  chats?: number;
  ratePerSec?: number;
}

export interface WhatsAppLatencyFigures {
  messages: number;
  chats: number;
  ratePerSec: number;
  gateway: LatencySummary;
  floor: LatencySummary;
  delivered: number;
  duplicates: number;
  floorDelivered: number;
  /** Process CPU time (user + system) per pushed message while the gateway run lasted, and for the floor. */
  cpuMsPerMessage: number;
  floorCpuMsPerMessage: number;
}

interface Run {
  samples: Samples;
  delivered: number;
  duplicates: number;
  cpuMs: number;
}

/** Pushes `n` DMs over `chats` chats at `rate`/s and waits for every echo (or the drain deadline). */
async function drive(fake: FakeWhatsApp, n: number, chats: number, rate: number, prefix: string): Promise<Run> {
  const pushedAt = new Map<string, number>();
  const seen = new Set<string>();
  const run: Run = { samples: new Samples(n), delivered: 0, duplicates: 0, cpuMs: 0 };
  const cpu = process.cpuUsage();
  const record = fake.recordSent.bind(fake);
  fake.recordSent = (s) => {
    record(s);
    const text = (s.content as { text?: string }).text ?? "";
    const key = text.replace(/^echo: /, "");
    const at = pushedAt.get(key);
    if (at === undefined) return;
    if (seen.has(key)) {
      run.duplicates++;
      return;
    }
    seen.add(key);
    run.delivered++;
    run.samples.add(performance.now() - at);
  };
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const text = `${prefix}-${i}`;
    pushedAt.set(text, performance.now());
    fake.push({ from: `1555900${String(i % chats).padStart(4, "0")}`, text });
  }
  const deadline = performance.now() + DRAIN_MS;
  while (run.delivered < n && performance.now() < deadline) await sleep(20);
  const used = process.cpuUsage(cpu);
  run.cpuMs = (used.user + used.system) / 1000;
  fake.recordSent = record;
  return run;
}

/** The floor: the fake socket's event buffer straight to a handler that echoes after the agent's delay. */
async function floor(n: number, chats: number, rate: number): Promise<Run> {
  const fake = new FakeWhatsApp();
  const creds = { ...initAuthCreds(), me: { id: `${fake.self.pn}@s.whatsapp.net` } };
  const sock = fake.factory({ auth: { creds, keys: { get: async () => ({}), set: async () => undefined } } });
  sock.ev.process(async (events: Partial<BaileysEventMap>) => {
    for (const m of events["messages.upsert"]?.messages ?? []) {
      const text = normalizeMessageContent(m.message)?.conversation ?? "";
      void sleep(ECHO_DELAY_MS).then(() => sock.sendMessage(m.key.remoteJid!, { text: `echo: ${text}` }));
    }
  });
  await sleep(10);
  return drive(fake, n, chats, rate, "floor");
}

/** Runs both; resolves with the figures. */
export async function runWhatsAppLatencyBench(opts: WhatsAppLatencyOptions = {}): Promise<WhatsAppLatencyFigures> {
  const messages = opts.messages ?? 2000;
  const chats = opts.chats ?? 50;
  const rate = opts.ratePerSec ?? 200;
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-bench-wa-"));
  const fake = new FakeWhatsApp();
  await seedLinkedCreds(stateDir, fake);
  const gw = await startGateway({
    file: { heartbeat: { enabled: false }, logging: { level: "warn" }, channels: { whatsapp: { dmPolicy: "open", sendReadReceipts: false } } },
    stateDir,
    channelTransports: { whatsapp: fake.transport },
  });
  try {
    await fake.waitForSockets(1);
    while (!fake.current.user) await sleep(10);
    await sleep(200);
    // Warm-up: sessions exist and the JIT has seen the path.
    await drive(fake, Math.min(200, messages), chats, rate, "warm");
    const floorRun = await floor(messages, chats, rate);
    const run = await drive(fake, messages, chats, rate, "m");
    return {
      messages,
      chats,
      ratePerSec: rate,
      gateway: run.samples.summary(),
      floor: floorRun.samples.summary(),
      delivered: run.delivered,
      duplicates: run.duplicates,
      floorDelivered: floorRun.delivered,
      cpuMsPerMessage: run.cpuMs / messages,
      floorCpuMsPerMessage: floorRun.cpuMs / messages,
    };
  } finally {
    await gw.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** The figures as a short report. */
export function formatWhatsAppLatency(f: WhatsAppLatencyFigures): string {
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");
  const table = renderTable(
    [
      { title: "push → sendMessage(echo)", align: "left" },
      { title: "median", align: "right" },
      { title: "p99", align: "right" },
      { title: "max", align: "right" },
    ],
    [
      ["floor (event buffer → echo delay → send)", fmtMs(f.floor.p50), fmtMs(f.floor.p99), fmtMs(f.floor.max)],
      ["gateway (policy, agent, transcript, outbox)", fmtMs(f.gateway.p50), fmtMs(f.gateway.p99), fmtMs(f.gateway.max)],
    ],
  );
  return [
    `WhatsApp channel latency: ${f.messages} DMs over ${f.chats} chats at ${fmtRate(f.ratePerSec)}, fake socket on Baileys' event buffer, echo agent (${ECHO_DELAY_MS} ms built in)`,
    table,
    `gateway-added latency (gateway − floor): median ${fmtMs(f.gateway.p50 - f.floor.p50)}, p99 ${fmtMs(f.gateway.p99 - f.floor.p99)}; ratio to the floor: median ${ratio(f.gateway.p50, f.floor.p50)}, p99 ${ratio(f.gateway.p99, f.floor.p99)}`,
    `delivered ${f.delivered}/${f.messages} (floor ${f.floorDelivered}/${f.messages}), duplicates ${f.duplicates}`,
    `CPU per message: gateway ${f.cpuMsPerMessage.toFixed(2)} ms, floor ${f.floorCpuMsPerMessage.toFixed(2)} ms (${ratio(f.cpuMsPerMessage, f.floorCpuMsPerMessage)})`,
  ].join("\n");
}

function optionsFromArgv(argv: string[]): WhatsAppLatencyOptions {
  const { values } = parseArgs({ args: argv, options: { messages: { type: "string" }, chats: { type: "string" }, rate: { type: "string" } } });
  const opts: WhatsAppLatencyOptions = {};
  if (values.messages) opts.messages = Number(values.messages);
  if (values.chats) opts.chats = Number(values.chats);
  if (values.rate) opts.ratePerSec = Number(values.rate);
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  runWhatsAppLatencyBench(optionsFromArgv(process.argv.slice(2)))
    .then((f) => {
      process.stdout.write(formatWhatsAppLatency(f) + "\n");
      process.exit(f.delivered === f.messages ? 0 : 1);
    })
    .catch((err: unknown) => {
      process.stderr.write(`whatsapp latency bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
