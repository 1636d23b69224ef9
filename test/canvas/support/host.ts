// A real CanvasHost on an ephemeral loopback port over a temporary state dir, and raw HTTP.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { pino, type Logger } from "pino";
import { CanvasFiles } from "../../../sidecar/src/canvas/files.js";
import { CanvasHost, type CanvasHostOptions } from "../../../sidecar/src/canvas/host.js";

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A pino logger whose lines land in `lines`, parsed. */
export function memoryLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { log, lines };
}

export interface TestHost {
  host: CanvasHost;
  files: CanvasFiles;
  stateDir: string;
  port: number;
  url: string;
  lines: LogLine[];
}

/** Starts a canvas host on 127.0.0.1:0; stopped and its state dir removed after the test. */
export async function startHost(t: TestContext, opts: Partial<Omit<CanvasHostOptions, "files" | "log">> = {}): Promise<TestHost> {
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-canvas-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const files = new CanvasFiles(stateDir);
  const { log, lines } = memoryLogger();
  const host = new CanvasHost({ host: "127.0.0.1", port: 0, ...opts, files, log });
  const { port, url } = await host.listen();
  t.after(() => host.close());
  return { host, files, stateDir, port, url, lines };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One request with the path sent exactly as written (no normalization of dots or encoding). */
export function rawRequest(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; tls?: { ca: string } } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = opts.tls ? httpsRequest : httpRequest;
    const req = request(
      { host: "127.0.0.1", port, path, method: opts.method ?? "GET", headers: opts.headers ?? {}, ...(opts.tls ? { ca: opts.tls.ca, servername: "localhost" } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** Bundles the A2UI page with the real build script into `outfile`. */
export function buildA2uiBundle(outfile: string): void {
  const res = spawnSync(process.execPath, [join(root, "scripts/build-a2ui.mjs"), "--outfile", outfile], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`scripts/build-a2ui.mjs failed (${res.status}): ${res.stderr}${res.stdout}`);
}
