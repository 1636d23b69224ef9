// Assertions shared by the handshake, auth, device-identity, locality and origin tests:
// a refused connect must answer exactly once, close with the exact code and reason, and do nothing else.
import assert from "node:assert/strict";
import WebSocket from "ws";
import {
  CloseCode,
  HelloOkSchema,
  ResponseFrameSchema,
  check,
  type ErrorShape,
  type HelloOk,
} from "@clawdbot/protocol";
import { RawClient, closedWithin, connectParams, type ConnectOptions, type Frame, type Refusal } from "../support/raw-client.js";

export { closedWithin, type Refusal } from "../support/raw-client.js";

/** Asserts the first frame was the challenge and the only other frames are `rest`, in order. */
export function assertFrames(client: RawClient, rest: Frame[]): void {
  const [first, ...others] = client.frames;
  assert.equal(first?.type, "event");
  assert.equal(first?.event, "connect.challenge");
  assert.deepEqual(others, rest, `unexpected frames: ${JSON.stringify(client.frames)}`);
}

/** Asserts the socket closed with `closeCode`/`reason`, having sent nothing but the challenge and `rest`. */
export async function assertClosed(client: RawClient, closeCode: number, reason: string, rest: Frame[] = []): Promise<void> {
  assert.deepEqual(await closedWithin(client), { code: closeCode, reason });
  assert.equal(client.ws.readyState, WebSocket.CLOSED);
  assertFrames(client, rest);
}

/** Asserts a refused connect: one strict `ok:false` response with `want.code`, then the close, and nothing else. */
export async function assertRefused(client: RawClient, res: Frame, want: Refusal): Promise<ErrorShape> {
  assert.equal(res.type, "res");
  assert.equal(res.ok, false, `expected a refusal, got ${JSON.stringify(res).slice(0, 300)}`);
  const strict = check(ResponseFrameSchema, res);
  assert.ok(strict.ok, `response frame is not strictly valid: ${JSON.stringify(res)}`);
  const error = strict.value.error;
  assert.ok(error, "refusal carries no error");
  assert.equal(error.code, want.code, `error: ${JSON.stringify(error)}`);
  assert.ok(error.message.length > 0);
  await assertClosed(client, want.closeCode ?? CloseCode.policyViolation, want.close, [res]);
  return error;
}

/** Asserts a successful connect and returns the strictly validated hello-ok. */
export function assertHello(res: Frame): HelloOk {
  assert.equal(res.ok, true, `expected hello-ok, got ${JSON.stringify(res)}`);
  const frame = check(ResponseFrameSchema, res);
  assert.ok(frame.ok, `response frame is not strictly valid: ${JSON.stringify(res)}`);
  const hello = check(HelloOkSchema, res.payload);
  assert.ok(hello.ok, `hello-ok is not strictly valid: ${JSON.stringify(hello)}`);
  assert.equal(hello.value.protocol, 3);
  return hello.value;
}

/** Asserts the connection is usable: `health` answers ok. */
export async function assertHealthy(client: RawClient): Promise<void> {
  const h = await client.request("health");
  assert.equal(h.ok, true, JSON.stringify(h));
}

/** Opens a socket with the given WebSocket options (headers), answers the challenge with a signed connect. */
export async function connectVia(
  url: string,
  ws: WebSocket.ClientOptions,
  o: ConnectOptions = {},
): Promise<{ client: RawClient; res: Frame }> {
  const client = await RawClient.open(url, ws);
  const nonce = await client.challenge();
  const res = await client.request("connect", connectParams({ ...o, nonce: o.nonce === undefined ? nonce : o.nonce }));
  return { client, res };
}

/** Flips one bit of a base64url signature (a tampered but well-formed 64-byte signature). */
export function flipSignatureBit(sig: string, byte = 0): string {
  const bytes = Buffer.from(sig, "base64url");
  bytes[byte] = (bytes[byte] ?? 0) ^ 0x01;
  return bytes.toString("base64url");
}

/** The response to request `id`; fails at once (naming the close) when the socket closes without one. */
export async function responseBeforeClose(client: RawClient, id: string): Promise<Frame> {
  const closedFirst = client.closed.then(({ code, reason }) => {
    const res = client.frames.find((f) => f.type === "res" && f.id === id);
    if (res) return res;
    throw new assert.AssertionError({ message: `closed ${code} "${reason}" without answering request ${id}` });
  });
  return Promise.race([client.response(id), closedFirst]);
}
