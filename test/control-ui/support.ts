// The Control UI in Chromium against a real gateway: open a page, wait for its connection, take
// the screenshots people look at (test-results/control-ui/), and act as the browser's own device
// from node (its key read out of the page's localStorage).
import assert from "node:assert/strict";
import { createHash, createPrivateKey } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import type { Page } from "playwright-core";
import type { DeviceIdentity } from "@clawdbot/protocol/client";
import { openPage, type BrowserPage } from "../webchat/support/browser.js";

/** Where every run writes the Control UI screenshots (named in sidecar/web/control/README.md). */
export const SHOT_DIR = fileURLToPath(new URL("../../test-results/control-ui/", import.meta.url));

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

/** A fresh browser context (empty storage) on `http://127.0.0.1:<port>/control/<hash>`. */
export async function openControl(t: TestContext, port: number, hash = "", viewport = DESKTOP): Promise<BrowserPage | undefined> {
  const bp = await openPage(t, { viewport });
  if (!bp) return undefined;
  await bp.page.goto(`http://127.0.0.1:${port}/control/${hash}`);
  return bp;
}

/** Waits until the page's connection is up (generous: the machine may be busy). */
export async function connected(page: Page, timeout = 30_000): Promise<void> {
  await page.locator('#status[data-state="connected"]').waitFor({ timeout });
}

/** Opens a page by its navigation link, as a person would. */
export async function go(page: Page, name: string): Promise<void> {
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name, exact: true }).click();
  await page.getByRole("heading", { level: 1, name, exact: true }).waitFor();
}

/** Screenshots of what the page shows now, at phone and desktop width: `<name>-360.png`, `<name>-1280.png`. */
export async function shoot(page: Page, name: string, ready?: () => Promise<void>): Promise<void> {
  await mkdir(SHOT_DIR, { recursive: true });
  const before = page.viewportSize() ?? DESKTOP;
  for (const size of [PHONE, DESKTOP]) {
    await page.setViewportSize(size);
    await ready?.();
    await page.screenshot({ path: `${SHOT_DIR}${name}-${size.width}.png`, fullPage: true });
    // Wide content (logs, JSON5, ids) scrolls inside its own box; the page itself never scrolls sideways.
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    assert.ok(overflow <= 0, `${name} at ${size.width} px is ${overflow} px wider than the window`);
  }
  await page.setViewportSize(before);
}

const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");

/** The page's own device identity (clawdbot.control.identity), usable by node's GatewayClient. */
export async function pageIdentity(page: Page): Promise<DeviceIdentity> {
  const stored = await page.evaluate<string | null>("localStorage.getItem('clawdbot.control.identity')");
  const secret = Buffer.from((JSON.parse(stored ?? "{}") as { secretKey: string }).secretKey, "base64");
  const raw = secret.subarray(32, 64);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secret.subarray(0, 32)]), format: "der", type: "pkcs8" });
  return { deviceId: createHash("sha256").update(raw).digest("hex"), publicKey: raw.toString("base64url"), privateKey };
}

/** The device token the page keeps (clawdbot.control.deviceToken). */
export async function pageDeviceToken(page: Page): Promise<{ token: string; scopes: string[] } | undefined> {
  const stored = await page.evaluate<string | null>("localStorage.getItem('clawdbot.control.deviceToken')");
  return stored ? (JSON.parse(stored) as { token: string; scopes: string[] }) : undefined;
}
