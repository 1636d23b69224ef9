// What a fake signal-cli daemon talks to: the Signal service, modelled by FakeSignalNetwork. In
// the test process the daemon calls the network directly; a daemon in a child process (the fake
// `signal-cli` executable) reaches it over HTTP on 127.0.0.1.

/** A JSON-RPC error as signal-cli returns it. */
export interface RpcErrorShape {
  code: number;
  message: string;
  data?: unknown;
}

export type CallOutcome = { result: unknown } | { error: RpcErrorShape } | { hang: true };

export interface SignalBackend {
  /** Runs one JSON-RPC method for `account`. */
  call(account: string, method: string, params: Record<string, unknown>): Promise<CallOutcome>;
  /**
   * Long-polls the envelopes waiting for `account`. They leave the server only with `ack()`; a
   * daemon that dies before acknowledging gets them again (the next daemon does), as on Signal.
   */
  inbound(account: string, signal: AbortSignal): Promise<{ envelopes: unknown[]; ack(): Promise<void> }>;
  /** Tells the network a daemon runs (pid, address, command line). */
  register(info: DaemonInfo): Promise<void>;
}

export interface DaemonInfo {
  pid: number;
  account: string;
  http: string;
  args: string[];
}

/** A backend over HTTP, for a daemon running in another process. */
export function httpBackend(base: string): SignalBackend {
  const post = async (path: string, body: unknown, signal?: AbortSignal) => {
    const res = await fetch(`${base}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });
    if (!res.ok) throw new Error(`fake network ${path}: HTTP ${res.status}`);
    return (await res.json()) as unknown;
  };
  return {
    call: (account, method, params) => post("/daemon/rpc", { account, method, params }) as Promise<CallOutcome>,
    inbound: async (account, signal) => {
      const { batch, envelopes } = (await post("/daemon/inbound", { account }, signal)) as { batch: number; envelopes: unknown[] };
      return { envelopes, ack: async () => void (await post("/daemon/ack", { batch })) };
    },
    register: async (info) => void (await post("/daemon/register", info)),
  };
}
