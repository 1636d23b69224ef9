import { createRequire } from "node:module";
import type { Counter, Registry } from "prom-client";
import { RequestTally } from "./request-tally.js";

/** What the gauges read at scrape time. */
export interface MetricsSources {
  /** WebSocket connections past their handshake, by role. */
  connectionsByRole(): Record<string, number>;
  /** Outbound messages waiting in the outbox, by channel. */
  outboxPending(): Record<string, number>;
}

/** Request methods outside this set are counted as "unknown" so a client cannot grow the label set. */
export interface MetricsOptions {
  methods: readonly string[];
  sources: MetricsSources;
}

interface Instruments {
  registry: Registry;
  handshakes: Counter<"outcome" | "reason">;
  eventsSent: Counter<"event">;
  eventsDropped: Counter<"event">;
  outbox: Counter<"channel" | "outcome">;
  agentRuns: Counter<"status">;
}

/**
 * The gateway's Prometheus metrics on their own registry (no global state): connections,
 * handshakes, requests with latency, events, outbox, agent runs, and the process defaults
 * (event-loop delay, RSS, open fds). prom-client is loaded with the first thing counted, not at
 * start-up: until a client connects there is nothing to count, and loading it costs a start ~70 ms.
 */
export class GatewayMetrics {
  private readonly methods: ReadonlySet<string>;
  private loaded: Instruments | undefined;
  // Requests are counted on every round trip, so outside prom-client (see RequestTally).
  private readonly requests = new RequestTally({
    requests: { name: "clawdbot_requests_total", help: "Requests by method and outcome (ok or the error code)." },
    latency: { name: "clawdbot_request_duration_seconds", help: "Time from a request frame to its final response, by method." },
  });

  constructor(private readonly opts: MetricsOptions) {
    this.methods = new Set(opts.methods);
  }

  private get m(): Instruments {
    this.loaded ??= createInstruments(this.opts);
    return this.loaded;
  }

  /** A handshake finished: ok, or refused for `reason`. */
  handshake(outcome: "ok" | "refused", reason = ""): void {
    this.m.handshakes.inc({ outcome, reason });
  }

  /** A request was answered after `seconds`. */
  request(method: string, outcome: string, seconds: number): void {
    this.requests.record(this.methods.has(method) ? method : "unknown", outcome, seconds);
  }

  /** One broadcast: how many clients got it and how many skipped it. */
  event(event: string, sent: number, dropped: number): void {
    if (sent > 0) this.m.eventsSent.inc({ event }, sent);
    if (dropped > 0) this.m.eventsDropped.inc({ event }, dropped);
  }

  /** An outbox item was stored, delivered or given up. */
  outboxItem(channel: string, outcome: "queued" | "delivered" | "failed"): void {
    this.m.outbox.inc({ channel, outcome });
  }

  /** An agent run ended. */
  agentRun(status: string): void {
    this.m.agentRuns.inc({ status });
  }

  /** The text exposition format. */
  async text(): Promise<{ contentType: string; body: string }> {
    const { registry } = this.m;
    const body = `${(await registry.metrics()).trimEnd()}\n\n${this.requests.text()}`;
    return { contentType: registry.contentType, body };
  }
}

function createInstruments(opts: MetricsOptions): Instruments {
  const { Counter, Gauge, Registry, collectDefaultMetrics } = createRequire(import.meta.url)("prom-client") as typeof import("prom-client");
  const registry = new Registry();
  const registers = [registry];
  new Gauge({
    name: "clawdbot_connections",
    help: "WebSocket connections past their handshake, by role.",
    labelNames: ["role"],
    registers,
    collect() {
      this.reset();
      for (const [role, n] of Object.entries(opts.sources.connectionsByRole())) this.set({ role }, n);
    },
  });
  new Gauge({
    name: "clawdbot_outbox_pending",
    help: "Outbound messages stored and waiting for delivery, by channel.",
    labelNames: ["channel"],
    registers,
    collect() {
      this.reset();
      for (const [channel, n] of Object.entries(opts.sources.outboxPending())) this.set({ channel }, n);
    },
  });
  const handshakes = new Counter({ name: "clawdbot_handshakes_total", help: "Connect handshakes by outcome (ok, refused) and failure reason.", labelNames: ["outcome", "reason"], registers });
  const eventsSent = new Counter({ name: "clawdbot_events_sent_total", help: "Event frames fanned out to clients (one per receiving client).", labelNames: ["event"], registers });
  const eventsDropped = new Counter({ name: "clawdbot_events_dropped_total", help: "Droppable event frames skipped for a slow client.", labelNames: ["event"], registers });
  const outbox = new Counter({ name: "clawdbot_outbox_messages_total", help: "Outbound messages by channel and outcome (queued, delivered, failed).", labelNames: ["channel", "outcome"], registers });
  const agentRuns = new Counter({ name: "clawdbot_agent_runs_total", help: "Finished agent runs by status (ok, error, timeout, aborted).", labelNames: ["status"], registers });
  collectDefaultMetrics({ register: registry });
  return { registry, handshakes, eventsSent, eventsDropped, outbox, agentRuns };
}

