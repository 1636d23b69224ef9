import { classifyIncoming, RpcTransportError, settleResponse } from "../../transport/json-rpc.js";

/**
 * signal-cli's JSON-RPC over HTTP: one request per `POST /api/v1/rpc`; a notification (no id) is
 * answered 201 with an empty body; `GET /api/v1/check` answers 200 while the daemon runs.
 */
export class SignalRpc {
  private nextId = 1;

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Calls a method and resolves with its result; RpcError for the daemon's errors, RpcTransportError otherwise. */
  async request(method: string, params: Record<string, unknown>, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<unknown> {
    const id = this.nextId++;
    const res = await this.post(method, { jsonrpc: "2.0", id, method, params }, opts);
    const text = await res.text();
    if (res.status !== 200) throw new RpcTransportError(method, `HTTP ${res.status} from the daemon`, "http");
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new RpcTransportError(method, "the daemon answered something that is not JSON", "protocol");
    }
    const msg = classifyIncoming(body);
    if (msg.kind !== "response") throw new RpcTransportError(method, "the daemon's answer is not a JSON-RPC response", "protocol");
    return settleResponse(method, msg);
  }

  /** Sends a notification: fire and forget on the daemon's side (201, no body). */
  async notify(method: string, params: Record<string, unknown>, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const res = await this.post(method, { jsonrpc: "2.0", method, params }, opts);
    await res.arrayBuffer().catch(() => undefined);
    if (res.status !== 201 && res.status !== 200) throw new RpcTransportError(method, `HTTP ${res.status} from the daemon`, "http");
  }

  /** True once the daemon answers its health check. */
  async check(signal?: AbortSignal): Promise<boolean> {
    try {
      const res = await this.fetchImpl(`${this.baseUrl}/api/v1/check`, { signal: signal ?? AbortSignal.timeout(this.timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      return res.status === 200;
    } catch {
      return false;
    }
  }

  private async post(method: string, body: object, opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<Response> {
    const deadline = AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
    try {
      return await this.fetchImpl(`${this.baseUrl}/api/v1/rpc`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (deadline.aborted) throw new RpcTransportError(method, `no answer within ${opts.timeoutMs ?? this.timeoutMs} ms`, "timeout");
      if (opts.signal?.aborted) throw new RpcTransportError(method, "aborted", "aborted");
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new RpcTransportError(method, `cannot reach the daemon at ${this.baseUrl}${cause ? ` (${cause})` : ""}`, "closed");
    }
  }
}
