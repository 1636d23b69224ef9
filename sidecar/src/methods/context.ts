import type { ClientInfo, MethodName, Params, Result, Role } from "@clawdbot/protocol";

/** Who is calling: fixed at handshake, never taken from request params. */
export interface Caller {
  readonly connId: string;
  readonly role: Role;
  readonly scopes: readonly string[];
  readonly deviceId: string | undefined;
  readonly client: ClientInfo;
  readonly remoteIp: string;
  readonly isLocal: boolean;
  /** Key of this caller's presence row. */
  readonly presenceKey: string;
  /** Authenticated by presenting a device token (rotating that token ends the session). */
  readonly viaDeviceToken: boolean;
}

export interface CallContext {
  readonly caller: Caller;
  /** For two-phase methods: sends the first ("accepted") response on the same request id. */
  accept(payload: unknown): void;
}

/** A typed method handler: params already validated against the method's schema. */
export type Handler<M extends MethodName> = (params: Params<M>, ctx: CallContext) => Promise<Result<M>> | Result<M>;

/** One handler per declared method; the compiler refuses a missing one. */
export type HandlerTable = { [M in MethodName]: Handler<M> };

/** A handler with its types erased, as the dispatcher stores it. */
export type AnyHandler = (params: never, ctx: CallContext) => unknown;

/** Who a retry must match: the device, or for secret-only clients their instance (stable across reconnects). */
export function callerKey(caller: Caller): string {
  return caller.deviceId ?? `secret:${caller.client.id}:${caller.client.instanceId ?? "-"}`;
}
