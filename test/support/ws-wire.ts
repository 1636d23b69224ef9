// A WebSocket client written at the byte level, for tests that must control exactly what goes on the
// wire: frame headers without their payload, fragments, payloads trickled in. It performs the HTTP
// upgrade itself, masks what it sends (as clients must) and parses the server's (unmasked) frames.
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";

export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** A frame header (FIN, opcode, masked length) followed by its 4-byte mask key. */
export function frameHeader(opcode: number, length: number, fin = true): { header: Buffer; mask: Buffer } {
  const mask = randomBytes(4);
  const first = (fin ? 0x80 : 0) | opcode;
  let head: Buffer;
  if (length < 126) head = Buffer.from([first, 0x80 | length]);
  else if (length < 65536) {
    head = Buffer.alloc(4);
    head[0] = first;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  return { header: Buffer.concat([head, mask]), mask };
}

/** Masks `payload` with `mask`, starting at byte `offset` of the frame's payload. */
export function maskBytes(payload: Buffer, mask: Buffer, offset = 0): Buffer {
  const out = Buffer.allocUnsafe(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = payload[i]! ^ mask[(i + offset) & 3]!;
  return out;
}

export class WireSocket {
  readonly frames: ServerFrame[] = [];
  /** Resolves when the TCP connection has ended: with the server's close code, or null without a close frame. */
  readonly ended: Promise<number | null>;
  private buf = Buffer.alloc(0);
  private closeCode: number | null = null;
  private listeners: (() => void)[] = [];

  private constructor(readonly socket: Socket, leftover: Buffer) {
    this.ended = new Promise((resolve) => socket.once("close", () => resolve(this.closeCode)));
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("error", () => undefined);
    if (leftover.length > 0) this.onData(leftover);
  }

  /** Opens a TCP connection to 127.0.0.1:port and completes the WebSocket upgrade. */
  static open(port: number, headers: Record<string, string> = {}): Promise<WireSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let head = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        head = Buffer.concat([head, d]);
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        socket.off("data", onData);
        const status = head.subarray(0, head.indexOf("\r\n")).toString();
        if (!/^HTTP\/1\.1 101 /.test(status)) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${status}`));
          return;
        }
        resolve(new WireSocket(socket, head.subarray(end + 4)));
      };
      socket.on("data", onData);
      socket.once("error", reject);
      const lines = [
        "GET / HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "Sec-WebSocket-Version: 13",
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    });
  }

  /** Sends one complete masked frame. */
  send(opcode: number, payload: Buffer | string, fin = true): boolean {
    const data = typeof payload === "string" ? Buffer.from(payload) : payload;
    const { header, mask } = frameHeader(opcode, data.length, fin);
    return this.socket.write(Buffer.concat([header, maskBytes(data, mask)]));
  }

  sendText(text: string): boolean {
    return this.send(OP.text, text);
  }

  /** Text frames received, parsed as JSON. */
  json(): Record<string, unknown>[] {
    return this.frames.filter((f) => f.opcode === OP.text).map((f) => JSON.parse(f.payload.toString()) as Record<string, unknown>);
  }

  /** Waits until a received frame matches, or fails after `ms`. */
  async waitFor(pred: (f: ServerFrame) => boolean, ms = 5000): Promise<ServerFrame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.frames.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching frame within ${ms} ms (got ${this.frames.length} frames)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.listeners.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The close code the server sent, waiting up to `ms`; null when the socket ended without one. */
  async closeFrame(ms = 5000): Promise<number | null> {
    const f = await this.waitFor((x) => x.opcode === OP.close, ms).catch(() => undefined);
    return f ? this.closeCode : null;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const f = this.parseOne();
      if (!f) break;
      if (f.opcode === OP.close) this.closeCode = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
      this.frames.push(f);
    }
    for (const l of this.listeners.splice(0)) l();
  }

  private parseOne(): ServerFrame | undefined {
    const b = this.buf;
    if (b.length < 2) return undefined;
    const opcode = b[0]! & 0x0f;
    let len = b[1]! & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      len = Number(b.readBigUInt64BE(2));
      off = 10;
    }
    if (b.length < off + len) return undefined;
    const payload = b.subarray(off, off + len);
    this.buf = b.subarray(off + len);
    return { opcode, payload: Buffer.from(payload) };
  }
}
