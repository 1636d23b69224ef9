import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

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

/**
 * The gateway's Prometheus metrics on their own registry (no global state): connections,
 * handshakes, requests with latency, events, outbox, agent runs, and the process defaults
 * (event-loop delay, RSS, open fds).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly methods: ReadonlySet<string>;
  private readonly handshakes: Counter<"outcome" | "reason">;
  private readonly requests: Counter<"method" | "outcome">;
  private readonly latency: Histogram<"method">;
  private readonly eventsSent: Counter<"event">;
  private readonly eventsDropped: Counter<"event">;
  private readonly outbox: Counter<"channel" | "outcome">;
  private readonly agentRuns: Counter<"status">;

  constructor(opts: MetricsOptions) {
    this.methods = new Set(opts.methods);
    const registers = [this.registry];
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
    this.handshakes = new Counter({ name: "clawdbot_handshakes_total", help: "Connect handshakes by outcome (ok, refused) and failure reason.", labelNames: ["outcome", "reason"], registers });
    this.requests = new Counter({ name: "clawdbot_requests_total", help: "Requests by method and outcome (ok or the error code).", labelNames: ["method", "outcome"], registers });
    this.latency = new Histogram({
      name: "clawdbot_request_duration_seconds",
      help: "Time from a request frame to its final response, by method.",
      labelNames: ["method"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers,
    });
    this.eventsSent = new Counter({ name: "clawdbot_events_sent_total", help: "Event frames fanned out to clients (one per receiving client).", labelNames: ["event"], registers });
    this.eventsDropped = new Counter({ name: "clawdbot_events_dropped_total", help: "Droppable event frames skipped for a slow client.", labelNames: ["event"], registers });
    this.outbox = new Counter({ name: "clawdbot_outbox_messages_total", help: "Outbound messages by channel and outcome (queued, delivered, failed).", labelNames: ["channel", "outcome"], registers });
    this.agentRuns = new Counter({ name: "clawdbot_agent_runs_total", help: "Finished agent runs by status (ok, error, timeout, aborted).", labelNames: ["status"], registers });
    collectDefaultMetrics({ register: this.registry });
  }

  /** A handshake finished: ok, or refused for `reason`. */
  handshake(outcome: "ok" | "refused", reason = ""): void {
    this.handshakes.inc({ outcome, reason });
  }

  /** A request was answered after `seconds`. */
  request(method: string, outcome: string, seconds: number): void {
    const m = this.methods.has(method) ? method : "unknown";
    this.requests.inc({ method: m, outcome });
    this.latency.observe({ method: m }, seconds);
  }

  /** One broadcast: how many clients got it and how many skipped it. */
  event(event: string, sent: number, dropped: number): void {
    if (sent > 0) this.eventsSent.inc({ event }, sent);
    if (dropped > 0) this.eventsDropped.inc({ event }, dropped);
  }

  /** An outbox item was stored, delivered or given up. */
  outboxItem(channel: string, outcome: "queued" | "delivered" | "failed"): void {
    this.outbox.inc({ channel, outcome });
  }

  /** An agent run ended. */
  agentRun(status: string): void {
    this.agentRuns.inc({ status });
  }

  /** The text exposition format. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
