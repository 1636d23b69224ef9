import type { Browser, Page } from "playwright-core";
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import { NodeCommandError } from "./errors.js";

/**
 * Headless Chromium for rendering canvases: no background, component or sync traffic (a renderer
 * needs no Google services, and closed networks refuse it), no QUIC. The sandbox stays on — canvas
 * pages are agent-written — except as root, where Chromium refuses to start with it.
 */
export function chromiumArgs(isRoot = process.getuid?.() === 0): string[] {
  return [
    "--headless",
    ...(isRoot ? ["--no-sandbox"] : []),
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ];
}

/** Where the canvas host serves its A2UI page, relative to hello-ok.canvasHostUrl. */
export const A2UI_PATH = "/__clawdbot__/a2ui/";

const UrlParams = Type.Object({ url: Type.String({ minLength: 1, maxLength: 2_000_000 }) });
const EvalParams = Type.Object({ javaScript: Type.String({ minLength: 1, maxLength: 1_000_000 }) });
const SnapshotParams = Type.Object({ format: Type.Optional(Type.Literal("png")) });
const A2uiParams = Type.Object({ messages: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 500 }) });

type Playwright = typeof import("playwright-core");

export interface CanvasOptions {
  executablePath: string;
  loadPlaywright: () => Promise<Playwright>;
  /** The canvas host base URL (hello-ok.canvasHostUrl or node.json), when known. */
  canvasHostUrl: () => string | undefined;
  /** Longest a navigation or script may take. */
  timeoutMs: number;
  viewport?: { width: number; height: number };
}

/** One persistent headless Chromium page the gateway can point, script and photograph. */
export class Canvas {
  private browser: Promise<Browser> | undefined;
  private page: Page | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: CanvasOptions) {}

  /** `canvas.present` / `canvas.navigate` {url} */
  async navigate(raw: unknown, command = "canvas.navigate"): Promise<{ url: string; title: string }> {
    const { url } = parse(UrlParams, raw, command, "{url}");
    const target = allowedUrl(url, command);
    return this.serial(async (page) => {
      await this.goto(page, target, command);
      return { url: page.url(), title: await page.title() };
    });
  }

  /** `canvas.eval` {javaScript}: the value of the expression (awaited), JSON-serializable. */
  async eval(raw: unknown): Promise<{ result: unknown }> {
    const { javaScript } = parse(EvalParams, raw, "canvas.eval", "{javaScript}");
    return this.serial(async (page) => {
      const value = await this.bounded(page.evaluate(javaScript), "canvas.eval").catch((err: unknown) => {
        if (err instanceof NodeCommandError) throw err;
        throw new NodeCommandError("INVALID_REQUEST", `canvas.eval: the script failed: ${firstLine(err)}`);
      });
      return { result: jsonSafe(value) };
    });
  }

  /** `canvas.snapshot` {format?: "png"} */
  async snapshot(raw: unknown): Promise<{ format: "png"; base64: string; width: number; height: number }> {
    parse(SnapshotParams, raw ?? {}, "canvas.snapshot", "{format?: \"png\"}");
    return this.serial(async (page) => {
      const png = await this.bounded(page.screenshot({ type: "png" }), "canvas.snapshot");
      return { format: "png" as const, base64: png.toString("base64"), width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
    });
  }

  /** `canvas.a2ui.push` {messages}: opens the canvas host's A2UI page if needed and hands it the messages. */
  async a2uiPush(raw: unknown): Promise<{ url: string; count: number; result?: unknown }> {
    const { messages } = parse(A2uiParams, raw, "canvas.a2ui.push", "{messages: [...]}");
    const base = this.opts.canvasHostUrl();
    if (!base) {
      throw new NodeCommandError(
        "UNAVAILABLE",
        "canvas.a2ui.push: this gateway announced no canvas host (hello-ok.canvasHostUrl), so there is no A2UI page to push to; start the canvas host or set canvasHostUrl in the node's node.json",
      );
    }
    const target = `${base.replace(/\/+$/, "")}${A2UI_PATH}`;
    return this.serial(async (page) => {
      if (!page.url().startsWith(target)) await this.goto(page, target, "canvas.a2ui.push");
      const ready = await page.evaluate(() => typeof (globalThis as { clawdbotA2UI?: { push?: unknown } }).clawdbotA2UI?.push === "function");
      if (!ready) {
        throw new NodeCommandError("UNAVAILABLE", `canvas.a2ui.push: ${target} does not expose window.clawdbotA2UI.push(messages); is the gateway's A2UI canvas host running?`);
      }
      const result = await this.bounded(
        page.evaluate((m) => (globalThis as unknown as { clawdbotA2UI: { push: (m: unknown[]) => unknown } }).clawdbotA2UI.push(m), messages),
        "canvas.a2ui.push",
      );
      const safe = jsonSafe(result);
      return { url: target, count: messages.length, ...(safe !== null ? { result: safe } : {}) };
    });
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    this.page = undefined;
    await (await browser?.catch(() => undefined))?.close().catch(() => undefined);
  }

  private async goto(page: Page, url: string, command: string): Promise<void> {
    let status: number | undefined;
    try {
      status = (await page.goto(url, { waitUntil: "load", timeout: this.opts.timeoutMs }))?.status();
    } catch (err) {
      throw new NodeCommandError("UNAVAILABLE", `${command}: could not open ${short(url)}: ${firstLine(err)}`);
    }
    if (status !== undefined && status >= 400) throw new NodeCommandError("UNAVAILABLE", `${command}: ${short(url)} answered HTTP ${status}`);
  }

  /** Canvas commands run one at a time on the one page. */
  private serial<T>(fn: (page: Page) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => fn(await this.currentPage()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async currentPage(): Promise<Page> {
    if (this.page && !this.page.isClosed()) return this.page;
    this.browser ??= this.launch();
    const browser = await this.browser;
    const context = await browser.newContext({ viewport: this.opts.viewport ?? { width: 1024, height: 768 } });
    this.page = await context.newPage();
    return this.page;
  }

  private async launch(): Promise<Browser> {
    try {
      const pw = await this.opts.loadPlaywright();
      // playwright starts Chromium on a fresh, empty --user-data-dir of its own.
      return await pw.chromium.launch({ executablePath: this.opts.executablePath, args: chromiumArgs(), timeout: 60_000 });
    } catch (err) {
      this.browser = undefined;
      const why = firstLine(err);
      const hint = /sandbox/i.test(why) ? " (Chromium's sandbox needs user namespaces or its setuid helper on this host)" : "";
      throw new NodeCommandError("UNAVAILABLE", `the canvas browser (${this.opts.executablePath}) did not start: ${why}${hint}`);
    }
  }

  /** A script or screenshot that hangs loses its page; the next command gets a fresh one. */
  private bounded<T>(work: Promise<T>, command: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const page = this.page;
        this.page = undefined;
        void page?.context().close().catch(() => undefined);
        reject(new NodeCommandError("TIMEOUT", `${command} did not finish within ${this.opts.timeoutMs} ms; the canvas page was reset`));
      }, this.opts.timeoutMs);
    });
    return Promise.race([work, limit]).finally(() => clearTimeout(timer));
  }
}

function parse<S extends TSchema>(schema: S, raw: unknown, command: string, shape: string): Static<S> {
  const res = check(schema, raw);
  if (!res.ok) throw new NodeCommandError("INVALID_REQUEST", `${command} needs ${shape}: ${formatIssues(res.issues)}`);
  return res.value;
}

/** The canvas opens web pages only: http(s), data: and about:blank — never file: or browser-internal pages. */
function allowedUrl(url: string, command: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new NodeCommandError("INVALID_REQUEST", `${command}: ${short(url)} is not an absolute URL`);
  }
  if (["http:", "https:", "data:"].includes(u.protocol) || url === "about:blank") return url;
  throw new NodeCommandError("FORBIDDEN", `${command}: ${u.protocol} URLs are not allowed on the canvas (use http, https or data)`);
}

function jsonSafe(v: unknown): unknown {
  if (v === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(v)) as unknown;
  } catch {
    throw new NodeCommandError("INVALID_REQUEST", "canvas.eval: the result is not JSON-serializable");
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split("\n")[0] ?? msg).trim();
}

function short(url: string): string {
  return url.length > 120 ? `${url.slice(0, 117)}...` : url;
}
