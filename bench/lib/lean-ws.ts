import { connect, type Socket } from "node:net";

/**
 * A minimal WebSocket client for load generation, so that on a small machine the load process
 * costs less CPU than the server it measures: one fixed upgrade request (the accept hash is not
 * checked), text frames only, no extensions, masked client frames as RFC 6455 requires.
 */
export class LeanSocket {
  private buf: Buffer = Buffer.alloc(0);
  private upgraded = false;
  private readonly texts: string[] = [];
  private waiter: { resolve: (t: string) => void; reject: (e: Error) => void } | undefined;
  private upgradeWaiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("socket closed")));
  }

  /** Connects and sends the upgrade request; frames are readable once the 101 arrives. */
  static open(host: string, port: number): LeanSocket {
    const socket = connect({ host, port });
    socket.write(
      `GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    return new LeanSocket(socket);
  }

  /** Resolves once the server has answered the upgrade with 101. */
  opened(): Promise<void> {
    if (this.upgraded) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.upgradeWaiter = { resolve, reject };
    });
  }

  /** The next text message. */
  nextText(): Promise<string> {
    const t = this.texts.shift();
    if (t !== undefined) return Promise.resolve(t);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  sendText(text: string): void {
    this.socket.write(frame(0x1, Buffer.from(text, "utf8")));
  }

  /** Sends a close frame (1000) and resolves once the server has closed the TCP connection. */
  async close(): Promise<void> {
    if (!this.socket.destroyed) this.socket.write(frame(0x8, Buffer.from([0x03, 0xe8])));
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    if (!this.upgraded) {
      const end = this.buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      if (!this.buf.subarray(0, 12).toString("latin1").startsWith("HTTP/1.1 101")) {
        this.fail(new Error(`upgrade refused: ${this.buf.subarray(0, end).toString("latin1").split("\r\n")[0]}`));
        this.socket.destroy();
        return;
      }
      this.upgraded = true;
      this.buf = this.buf.subarray(end + 4);
      this.upgradeWaiter?.resolve();
      this.upgradeWaiter = undefined;
    }
    this.readFrames();
  }

  /** Server frames are unmasked: opcode, 7/16/64-bit length, payload. */
  private readFrames(): void {
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      const opcode = b[0]! & 0x0f;
      let len = b[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + len) return;
      const payload = b.subarray(at, at + len);
      this.buf = b.subarray(at + len);
      if (opcode === 0x1) this.deliver(payload.toString("utf8"));
      else if (opcode === 0x8) this.socket.end();
      else if (opcode === 0x9) this.socket.write(frame(0xa, Buffer.from(payload)));
    }
  }

  private deliver(text: string): void {
    const w = this.waiter;
    if (!w) {
      this.texts.push(text);
      return;
    }
    this.waiter = undefined;
    w.resolve(text);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
    this.upgradeWaiter?.reject(err);
    this.upgradeWaiter = undefined;
  }
}

const KEY = Buffer.from("clawdbot-bench!!").toString("base64");
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** A masked client frame (FIN set). */
function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  MASK.copy(out, head);
  for (let i = 0; i < n; i++) out[head + 4 + i] = payload[i]! ^ MASK[i & 3]!;
  return out;
}
