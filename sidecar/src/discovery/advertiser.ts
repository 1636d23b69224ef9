import type { Logger } from "pino";
import { Backoff } from "@clawdbot/protocol/client";
import { createBonjour, type BonjourFactory, type MdnsResponder } from "./bonjour.js";
import { SERVICE_TYPE, gatewayTxt, instanceName, lanHost, uniqueName, type GatewayBeacon } from "./records.js";

/** The beacon (port = the gateway's bound port; `minimal` leaves out displayName, lanHost and canvasPort, see gatewayTxt). */
export interface GatewayAdvertiserOptions extends GatewayBeacon {
  log: Logger;
  /** The gateway's bind address when it is one IPv4 address: mDNS then goes out there only. */
  interfaceAddress?: string | undefined;
  bonjourFactory?: BonjourFactory;
  /** Delay after a failure: doubles from initialMs up to maxMs (default 1 s … 60 s). */
  retry?: { initialMs: number; maxMs: number };
  /** How long to browse for a gateway already using our name before publishing (default 1000 ms). */
  nameCheckMs?: number;
  now?: () => number;
}

/** A run that stayed up this long without an error resets the backoff. */
const STABLE_MS = 60_000;
/** stop() never waits longer than this for the goodbye or the socket close. */
const STOP_STEP_MS = 1000;

/**
 * Advertises the gateway as `_clawdbot-gw._tcp` over mDNS. Isolated from the gateway: start()
 * returns at once and never throws; a failure is logged and retried with backoff on a fresh
 * socket; stop() sends goodbyes, closes the socket and may be called at any time.
 *
 * Lifecycle: idle → (attempt → running | failed → waiting → attempt …) → stopped (final).
 */
export class GatewayAdvertiser {
  private readonly log: Logger;
  private readonly factory: BonjourFactory;
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private readonly nameCheckMs: number;
  private readonly name: string;
  private readonly host: string;
  private readonly txt: Record<string, string>;
  /** Bumped whenever the current attempt is abandoned; callbacks of older attempts are ignored. */
  private attemptId = 0;
  private mdns: MdnsResponder | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private upSince: number | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: GatewayAdvertiserOptions) {
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
      throw new RangeError(`advertiser: port ${opts.port} is not a bound TCP port`);
    }
    this.log = opts.log.child({ mod: "discovery" });
    this.factory = opts.bonjourFactory ?? createBonjour;
    this.backoff = new Backoff(opts.retry?.initialMs ?? 1000, opts.retry?.maxMs ?? 60_000);
    this.now = opts.now ?? Date.now;
    this.nameCheckMs = opts.nameCheckMs ?? 1000;
    this.name = instanceName(opts.displayName.trim() || opts.hostname.split(".")[0] || "Clawdbot Gateway");
    this.host = lanHost(opts.hostname);
    this.txt = gatewayTxt(opts);
  }

  /** Starts advertising in the background. Returns at once; never throws. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.attempt();
  }

  /** Sends goodbyes and closes the socket; safe before start(), twice, or mid-retry. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private attempt(): void {
    const id = ++this.attemptId;
    let mdns: MdnsResponder;
    try {
      mdns = this.factory({
        interfaceAddress: this.opts.interfaceAddress,
        onError: (err) => this.failed(id, err),
        onWarning: (err) => this.log.debug({ err }, "mdns warning"),
      });
    } catch (err) {
      this.failed(id, err);
      return;
    }
    if (id !== this.attemptId) return closeQuietly(mdns); // it failed while being built
    this.mdns = mdns;
    this.publish(id, mdns).catch((err: unknown) => this.failed(id, err));
  }

  private async publish(id: number, mdns: MdnsResponder): Promise<void> {
    const name = await this.freeName(mdns);
    if (id !== this.attemptId) return;
    if (name !== this.name) this.log.info({ wanted: this.name, name }, "mdns name in use on the network; renamed");
    // probe:false: bonjour-service's own probe answers a conflict by sending goodbyes for the name,
    // which knocks the *other* gateway out of every browser's cache. freeName() did the probing.
    const service = mdns.publish({ name, type: SERVICE_TYPE, protocol: "tcp", port: this.opts.port, host: this.host, txt: this.txt, probe: false });
    service.on("up", () => {
      if (id !== this.attemptId) return;
      this.upSince = this.now();
      this.log.info({ name, type: `_${SERVICE_TYPE}._tcp`, port: this.opts.port, interface: this.opts.interfaceAddress ?? "all", minimal: this.opts.minimal }, "advertising gateway over mdns");
    });
  }

  /** Our name, or `name (n)` when another responder on the network already answers for it. */
  private async freeName(mdns: MdnsResponder): Promise<string> {
    if (this.nameCheckMs <= 0) return this.name;
    const browser = mdns.find({ type: SERVICE_TYPE });
    await new Promise((resolve) => setTimeout(resolve, this.nameCheckMs).unref());
    browser.stop();
    return uniqueName(this.name, new Set(browser.services.map((s) => s.name)));
  }

  private failed(id: number, err: unknown): void {
    if (id !== this.attemptId || this.stopping) return;
    this.attemptId++;
    const mdns = this.mdns;
    this.mdns = undefined;
    if (mdns) closeQuietly(mdns);
    if (this.upSince !== undefined && this.now() - this.upSince >= STABLE_MS) this.backoff.reset();
    this.upSince = undefined;
    const retryInMs = this.backoff.next();
    this.log.warn({ err, retryInMs }, "mdns advertising failed; retrying");
    this.retryTimer = setTimeout(() => this.attempt(), retryInMs);
    this.retryTimer.unref();
  }

  private async shutdown(): Promise<void> {
    this.attemptId++;
    clearTimeout(this.retryTimer);
    const mdns = this.mdns;
    this.mdns = undefined;
    if (!mdns) return;
    await step((done) => mdns.unpublishAll(done));
    await step((done) => mdns.destroy(done));
    this.log.info("stopped advertising over mdns");
  }
}

/** Runs a callback-style step, giving up after STOP_STEP_MS; a throw counts as done. */
function step(run: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, STOP_STEP_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    try {
      run(done);
    } catch {
      done();
    }
  });
}

/** Drops a failed instance without goodbyes (its socket is what failed). */
function closeQuietly(mdns: MdnsResponder): void {
  try {
    mdns.destroy(() => undefined);
  } catch {
    // already closed
  }
}
