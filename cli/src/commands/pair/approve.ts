import { Args, Flags } from "@oclif/core";
import { GatewayConnectError } from "@clawdbot/protocol/client";
import type { GatewayClient } from "@clawdbot/protocol/client";
import { GatewayCommand } from "../../gateway-command.js";
import { CliError, usageError } from "../../command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { openGateway } from "../../gateway-link/connect.js";
import { openOfflineStores } from "../../gateway-link/offline-store.js";
import { IdentityStore } from "../../gateway-link/identity-store.js";
import { resolveId } from "../../gateway-link/id-prefix.js";

interface Approved {
  requestId: string;
  deviceId: string;
  via: "gateway" | "store";
}

interface PendingLike {
  requestId: string;
  deviceId: string;
  ts: number;
}

export default class PairApprove extends GatewayCommand {
  static override summary = "Approve a pending device pairing request.";
  static override description = [
    "Talks to the running gateway. When none is running, or when this CLI is itself not yet approved by the gateway",
    "that keeps its store in this state dir, it approves directly in the state dir's pairing store (same lock; the",
    "gateway re-reads it). A request id may be shortened to any unambiguous prefix.",
    "--latest picks the newest request of another device; when the only one pending is this CLI's own, it approves that.",
    "With no gateway running and nothing pending it exits 3 (unreachable) saying so.",
  ].join("\n");
  static override examples = ["<%= config.bin %> pair approve 2f6c", "<%= config.bin %> pair approve --latest"];
  static override args = { requestId: Args.string({ description: "request id (or a prefix of it) from `clawdbot pair list`" }) };
  static override flags = { ...connectionFlags, latest: Flags.boolean({ description: "approve the most recent request", default: false }) };

  async run(): Promise<Approved> {
    const { args, flags } = await this.parse(PairApprove);
    if (!args.requestId && !flags.latest) throw usageError("name a request id (see `clawdbot pair list`) or pass --latest");
    if (args.requestId && flags.latest) throw usageError("pass a request id or --latest, not both");
    let client: GatewayClient | undefined;
    let offline: GatewayConnectError | undefined;
    try {
      client = await openGateway({ url: flags.url, token: flags.token ?? flags["token-file"], password: flags.password, timeout: flags.timeout, tlsFingerprint: flags["tls-fingerprint"], env: process.env });
    } catch (err) {
      // The state dir on this host is the authority: with no gateway to ask, or when this CLI is
      // itself not yet approved, approve in the store (the running gateway re-reads it).
      const local =
        err instanceof GatewayConnectError &&
        ((err.failure === "unreachable" && !flags.url) || (err.failure === "pairing-required" && (await this.sameStore(err))));
      if (!local) return this.fail(err);
      if (err.failure === "unreachable") offline = err;
    }
    try {
      const result = client ? await this.viaGateway(client, args.requestId) : await this.viaStore(args.requestId, offline);
      this.log(`approved ${result.deviceId.slice(0, 16)}… (request ${result.requestId}${result.via === "store" ? ", written to the pairing store" : ""})`);
      return result;
    } catch (err) {
      return this.fail(err);
    } finally {
      client?.close();
    }
  }

  /** The gateway keeps its store in our state dir only if the request it just filed for us is in it. */
  private async sameStore(err: GatewayConnectError): Promise<boolean> {
    const details = err.error?.details as { requestId?: unknown } | undefined;
    if (typeof details?.requestId !== "string") return false;
    const { devices } = await openOfflineStores(process.env);
    return devices.getPending(details.requestId) !== undefined;
  }

  private async viaGateway(client: GatewayClient, ref: string | undefined): Promise<Approved> {
    const { pending } = await client.call("device.pair.list");
    const id = ref === undefined ? newest(pending, undefined)?.requestId : resolveId(ref, pending.map(asCandidate), "pending request", "clawdbot pair list");
    if (id === undefined) throw new CliError("NOT_FOUND", "no pending pairing requests; a device files one when it connects");
    const res = await client.call("device.pair.approve", { requestId: id });
    return { requestId: id, deviceId: res.device.deviceId, via: "gateway" };
  }

  private async viaStore(ref: string | undefined, offline: GatewayConnectError | undefined): Promise<Approved> {
    const { devices, stateDir } = await openOfflineStores(process.env);
    const pending = devices.listPending();
    const notFound = (what: string) =>
      offline
        ? new CliError("unreachable", `${what} in ${stateDir}, and no gateway is running to file one (${offline.message}); start it with \`clawdbot gateway\` and let the device connect again`)
        : new CliError("NOT_FOUND", what);
    let id: string | undefined;
    if (ref === undefined) {
      // This CLI's own connect may have filed a request: --latest means another device's, if any.
      const self = (await new IdentityStore(stateDir).identity()).deviceId;
      id = newest(pending, self)?.requestId;
      if (id === undefined) throw notFound("no pending pairing request");
    } else {
      try {
        id = resolveId(ref, pending.map(asCandidate), "pending request", "clawdbot pair list");
      } catch (err) {
        if (err instanceof CliError && err.code === "NOT_FOUND") throw notFound(`no pending pairing request "${ref}"`);
        throw err;
      }
    }
    const done = await devices.approve(id);
    if (!done) throw notFound(`pairing request ${id} expired or was answered meanwhile`);
    return { requestId: id, deviceId: done.device.deviceId, via: "store" };
  }
}

function asCandidate(r: PendingLike): { id: string } {
  return { id: r.requestId };
}

/** The newest request of another device than `self`, else `self`'s own. */
function newest<T extends PendingLike>(pending: readonly T[], self: string | undefined): T | undefined {
  const byAge = [...pending].sort((a, b) => b.ts - a.ts);
  return byAge.find((r) => r.deviceId !== self) ?? byAge[0];
}
