// Headless Debian Chromium driven by playwright-core (no browser download: scripts/ensure-chromium.sh).
import { existsSync } from "node:fs";
import { after, type TestContext } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { chromiumArgs } from "../../../cli/src/node-host/canvas.js";

export const CHROMIUM = "/usr/bin/chromium";

export interface BrowserPage {
  page: Page;
  /** Uncaught errors and console errors of the page, for asserting a clean run. */
  errors: string[];
}

let shared: Promise<Browser> | undefined;

after(async () => {
  const browser = await shared?.catch(() => undefined);
  await browser?.close();
});

/**
 * One page in a fresh browser context (its own empty storage), closed after the test. One Chromium
 * per test file (playwright starts it on a new empty user-data-dir); skips when it is not installed.
 */
export async function openPage(
  t: TestContext,
  opts: { colorScheme?: "light" | "dark"; viewport?: { width: number; height: number }; ignoreHTTPSErrors?: boolean } = {},
): Promise<BrowserPage | undefined> {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} not found: run scripts/ensure-chromium.sh as root (Debian package chromium)`);
    return undefined;
  }
  shared ??= chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs(), timeout: 60_000 });
  const browser = await shared;
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 900, height: 700 }, colorScheme: opts.colorScheme ?? "light", ignoreHTTPSErrors: opts.ignoreHTTPSErrors ?? false });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  return { page, errors };
}

/**
 * `errors` without Chromium's own console line for a socket refused on `port`: the browser logs it
 * whenever the page retries while a test keeps the gateway down, whatever the page does.
 */
export function withoutRefusedSockets(errors: string[], port: number): string[] {
  const refused = `console: WebSocket connection to 'ws://127.0.0.1:${port}/' failed: Error in connection establishment: net::ERR_CONNECTION_REFUSED`;
  return errors.filter((e) => e !== refused);
}

/** Waits for #status to reach `state` (connecting | connected | disconnected). */
export async function waitForStatus(page: Page, state: string, timeout = 15_000): Promise<void> {
  await page.locator(`#status[data-state="${state}"]`).waitFor({ timeout });
}

/** Text of every message in #messages, as `role: text` lines (the bubble only). */
export function transcriptOf(page: Page): Promise<string[]> {
  return page.$$eval("#messages [data-role]", (els) =>
    els.map((el) => `${el.getAttribute("data-role")}: ${el.querySelector(".bubble")?.textContent ?? ""}`),
  );
}
