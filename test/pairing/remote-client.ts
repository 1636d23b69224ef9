// A protocol client run inside a network namespace by remote-netns.test.ts
// (`ip netns exec <ns> node --import tsx test/pairing/remote-client.ts`).
// It reads connect requests, one JSON RemoteRequest per stdin line, and for each one opens a socket,
// signs the connect with the identity whose PEM private key is in `keyFile`, and prints one JSON
// RemoteLine per stdout line, tagged with the request id: "connect" (the connect response), "call"
// for each method called after hello-ok, "ready" (hold mode), "closed" (the socket's close code and
// reason), then "done". Hold requests run while the next lines are read. Exits when stdin ends.
// (One process serves a whole test: starting node with tsx is the slow part.)
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { identityFromPem } from "@clawdbot/protocol/client";
import { RawClient, connectParams, type Frame } from "../support/raw-client.js";

export interface RemoteRequest {
  id: string;
  url: string;
  /** Path of the device's PEM private key (PKCS#8). */
  keyFile: string;
  token?: string;
  role?: "operator" | "node";
  scopes?: string[];
  /** "v1" signs without the challenge nonce. */
  signature?: "v1" | "v2";
  /** Extra HTTP headers on the upgrade request (e.g. X-Forwarded-For, Host). */
  headers?: Record<string, string>;
  /** Methods to call (params `{}`) after hello-ok. */
  calls?: string[];
  /** Keep the connection open until the gateway closes it (up to 20 s). */
  hold?: boolean;
}

/** What the client reports about one request. */
export type RemoteEvent =
  | { kind: "connect"; res: Frame }
  | { kind: "call"; method: string; res: Frame }
  | { kind: "ready" }
  | { kind: "closed"; code: number; reason: string }
  | { kind: "timeout" }
  | { kind: "error"; message: string }
  | { kind: "done" };

export type RemoteLine = { id: string } & RemoteEvent;

type Emit = (event: RemoteEvent) => void;

function emitter(id: string): Emit {
  return (event) => {
    process.stdout.write(`${JSON.stringify({ id, ...event })}\n`);
  };
}

async function waitClosed(client: RawClient, ms: number, emit: Emit): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
  const closed = await Promise.race([client.closed, timeout]);
  clearTimeout(timer);
  if (closed === "timeout") emit({ kind: "timeout" });
  else emit({ kind: "closed", code: closed.code, reason: closed.reason });
}

async function run(req: RemoteRequest): Promise<void> {
  const emit = emitter(req.id);
  const identity = identityFromPem(await readFile(req.keyFile, "utf8"));
  const client = await RawClient.open(req.url, req.headers ? { headers: req.headers } : {});
  const nonce = await client.challenge();
  const params = connectParams({
    identity,
    role: req.role ?? "operator",
    scopes: req.scopes ?? ["operator.read"],
    nonce: req.signature === "v1" ? null : nonce,
    ...(req.token !== undefined ? { token: req.token } : {}),
  });
  const res = await client.request("connect", params);
  emit({ kind: "connect", res });
  if (res.ok !== true) return waitClosed(client, 5000, emit);
  for (const method of req.calls ?? []) emit({ kind: "call", method, res: await client.request(method, {}) });
  if (req.hold) {
    emit({ kind: "ready" });
    return waitClosed(client, 20_000, emit);
  }
  client.close();
  return waitClosed(client, 5000, emit);
}

async function main(): Promise<void> {
  const running: Promise<void>[] = [];
  for await (const text of createInterface({ input: process.stdin })) {
    if (text.trim() === "") continue;
    const req = JSON.parse(text) as RemoteRequest;
    const emit = emitter(req.id);
    const job = run(req)
      .catch((err: unknown) => emit({ kind: "error", message: err instanceof Error ? err.message : String(err) }))
      .then(() => emit({ kind: "done" }));
    running.push(job);
    if (!req.hold) await job;
  }
  await Promise.all(running);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
