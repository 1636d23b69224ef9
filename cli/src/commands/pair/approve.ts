import { Args, Flags } from "@oclif/core";
import { GatewayConnectError } from "@clawdbot/protocol/client";
import type { GatewayClient } from "@clawdbot/protocol/client";
import { GatewayCommand } from "../../gateway-command.js";
import { connectionFlags } from "../../gateway-link/flags.js";
import { EXIT } from "../../gateway-link/exit-codes.js";
import { openGateway } from "../../gateway-link/connect.js";
import { openOfflineStores } from "../../gateway-link/offline-store.js";
import { IdentityStore } from "../../gateway-link/identity-store.js";

interface Approved {
  requestId: string;
  deviceId: string;
  via: "gateway" | "store";
}

export default class PairApprove extends GatewayCommand {
  static override summary = "Approve a pending device pairing request.";
  static override description =
    "Talks to the running gateway; when none is running, approves directly in the state dir's pairing store (same lock).";
  static override examples = ["<%= config.bin %> pair approve 2f6c…", "<%= config.bin %> pair approve --latest"];
  static override args = { requestId: Args.string({ description: "request id from `clawdbot pair list`" }) };
  static override flags = { ...connectionFlags, latest: Flags.boolean({ description: "approve the most recent request", default: false }) };

  async run(): Promise<Approved> {
    const { args, flags } = await this.parse(PairApprove);
    if (!args.requestId && !flags.latest) this.failWith("usage", "name a request id or pass --latest", EXIT.usage);
    let client: GatewayClient | undefined;
    try {
      client = await openGateway({ url: flags.url, token: flags.token, password: flags.password, timeout: flags.timeout, env: process.env });
    } catch (err) {
      // The state dir on this host is the authority: with no gateway to ask, or when this CLI is
      // itself not yet approved, approve in the store (the running gateway re-reads it).
      const local =
        err instanceof GatewayConnectError &&
        ((err.failure === "unreachable" && !flags.url) || (err.failure === "pairing-required" && (await this.sameStore(err))));
      if (!local) return this.fail(err);
    }
    try {
      const result = client ? await this.viaGateway(client, args.requestId) : await this.viaStore(args.requestId, flags.latest);
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

  private async viaGateway(client: GatewayClient, requestId: string | undefined): Promise<Approved> {
    const id = requestId ?? (await this.latestId(client));
    const res = await client.call("device.pair.approve", { requestId: id });
    return { requestId: id, deviceId: res.device.deviceId, via: "gateway" };
  }

  private async latestId(client: GatewayClient): Promise<string> {
    const { pending } = await client.call("device.pair.list");
    const newest = [...pending].sort((a, b) => b.ts - a.ts)[0];
    if (!newest) return this.failWith("NOT_FOUND", "no pending pairing requests", EXIT.requestFailed);
    return newest.requestId;
  }

  private async viaStore(requestId: string | undefined, latest: boolean): Promise<Approved> {
    const { devices, stateDir } = await openOfflineStores(process.env);
    // This CLI's own connect attempt may have filed a request; --latest means the newest other device.
    const self = (await new IdentityStore(stateDir).identity()).deviceId;
    const pending = devices
      .listPending()
      .filter((r) => r.deviceId !== self)
      .sort((a, b) => b.ts - a.ts);
    const id = latest && !requestId ? pending[0]?.requestId : requestId;
    const done = id ? await devices.approve(id) : undefined;
    if (!id || !done) return this.failWith("NOT_FOUND", id ? `no pending pairing request ${id}` : "no pending pairing requests", EXIT.requestFailed);
    return { requestId: id, deviceId: done.device.deviceId, via: "store" };
  }
}
