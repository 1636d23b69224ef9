import type WebSocket from "ws";

/** Largest frame, and outbound backlog, a socket may cause before its hello-ok. */
export const PRE_HELLO_MAX_BYTES = 64 * 1024;

/** The part of ws's receiver this module touches (ws 8: `Receiver#_maxPayload`). */
interface ReceiverLimit {
  _maxPayload: number;
}

/**
 * Sets the largest message this socket's receiver will assemble. ws checks the limit when it reads
 * a frame's length, before any payload is buffered, and closes with 1009; its public option is per
 * server, so the per-socket limit is set on the receiver it created for this socket. Throws when
 * the ws in use lays its receiver out differently (a dependency upgrade must not lift the limit).
 */
export function setInboundLimit(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: Partial<ReceiverLimit> | null })._receiver;
  if (!receiver || typeof receiver._maxPayload !== "number") {
    throw new Error("ws receiver has no _maxPayload: the per-socket inbound limit cannot be set with this ws version");
  }
  receiver._maxPayload = bytes;
}
