import { Type } from "@sinclair/typebox";
import { check } from "@clawdbot/protocol";

/** Standard JSON-RPC 2.0 error codes a client may want to tell apart. */
export const RPC_ERRORS = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
} as const;

/** The peer answered a request with a JSON-RPC error object. */
export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`${method}: ${message} (${code})`);
    this.name = "RpcError";
  }
}

/** The request never got an answer: the peer went away, timed out or sent something unreadable. */
export class RpcTransportError extends Error {
  constructor(
    readonly method: string,
    message: string,
    readonly reason: "closed" | "timeout" | "aborted" | "protocol" | "http",
  ) {
    super(`${method}: ${message}`);
    this.name = "RpcTransportError";
  }
}

const Id = Type.Union([Type.String(), Type.Number(), Type.Null()]);
const ErrorObject = Type.Object({ code: Type.Integer(), message: Type.String(), data: Type.Optional(Type.Unknown()) });

/** A response: `result` or `error`, matched to its request by `id`. */
export const ResponseSchema = Type.Object({
  jsonrpc: Type.Optional(Type.Literal("2.0")),
  id: Id,
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(ErrorObject),
});

/** A notification: a method call without `id`. */
export const NotificationSchema = Type.Object({
  jsonrpc: Type.Optional(Type.Literal("2.0")),
  method: Type.String({ minLength: 1 }),
  params: Type.Optional(Type.Unknown()),
});

export type RpcIncoming =
  | { kind: "response"; id: string | number | null; result: unknown; error: { code: number; message: string; data?: unknown } | undefined }
  | { kind: "notification"; method: string; params: unknown }
  | { kind: "invalid"; why: string };

/** Classifies one decoded JSON value from the peer. */
export function classifyIncoming(value: unknown): RpcIncoming {
  if (value && typeof value === "object" && "method" in value && !("id" in value && (value as { id: unknown }).id !== undefined)) {
    const n = check(NotificationSchema, value);
    return n.ok ? { kind: "notification", method: n.value.method, params: n.value.params } : { kind: "invalid", why: "malformed notification" };
  }
  const r = check(ResponseSchema, value);
  if (!r.ok) return { kind: "invalid", why: "neither a response nor a notification" };
  if (r.value.error === undefined && !("result" in r.value)) return { kind: "invalid", why: "response without result or error" };
  return { kind: "response", id: r.value.id, result: r.value.result, error: r.value.error };
}

/** Turns a classified response into its result or throws the peer's error. */
export function settleResponse(method: string, res: Extract<RpcIncoming, { kind: "response" }>): unknown {
  if (res.error) throw new RpcError(method, res.error.code, res.error.message, res.error.data);
  return res.result;
}
