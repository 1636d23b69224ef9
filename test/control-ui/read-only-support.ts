// A Control UI page that chose read-only access, and the same browser device acting from node, to
// show that what the page hides the gateway refuses too.
import type { TestContext } from "node:test";
import type { Page } from "playwright-core";
import { GatewayClient } from "@clawdbot/protocol/client";
import type { BrowserPage } from "../webchat/support/browser.js";
import { connected, openControl, pageDeviceToken, pageIdentity } from "./support.js";

/** A page on `hash` that asks the gateway for operator.read only (this browser's access choice). */
export async function openReadOnly(t: TestContext, port: number, hash: string): Promise<BrowserPage | undefined> {
  const bp = await openControl(t, port, hash);
  if (!bp) return undefined;
  await connected(bp.page);
  await bp.page.evaluate("localStorage.setItem('clawdbot.control.access', 'read-only')");
  await bp.page.reload();
  await connected(bp.page);
  await bp.page.locator("#read-only").waitFor();
  return bp;
}

/** Names of the buttons in the page's main area. */
export async function mainButtons(page: Page): Promise<string[]> {
  const names = await Promise.all((await page.getByRole("main").getByRole("button").all()).map((b) => b.innerText()));
  return names.map((n) => n.trim());
}

/** The page's own device, connected from node with its key and device token and the read scope. */
export async function pageDevice(t: TestContext, page: Page, url: string): Promise<GatewayClient> {
  const identity = await pageIdentity(page);
  const token = await pageDeviceToken(page);
  const client = new GatewayClient({ url, identity, ...(token ? { deviceToken: token.token } : {}), client: { id: "clawdbot-control-ui", mode: "ui" }, scopes: ["operator.read"] });
  await client.connect();
  t.after(() => client.close());
  return client;
}
