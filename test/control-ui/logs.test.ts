// Logs: the gateway's log as it is written, in Chromium against a real gateway: new lines arrive
// by themselves, the level filter and the text search narrow them, pause holds the view while
// lines keep coming, and download saves what is shown as the gateway wrote it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import WebSocket from "ws";
import { startGateway } from "../support/gateway.js";
import { connected, go, openControl, shoot } from "./support.js";

/** A socket from a foreign origin: the gateway refuses it and logs a warning naming the origin. */
function refusedOrigin(port: number, origin: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { origin });
    ws.on("error", () => resolve());
    ws.on("open", () => (ws.close(), resolve()));
  });
}

test("Logs: live tail with level filter, text search, pause and download", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const bp = await openControl(t, gw.port);
  if (!bp) return;
  const { page, errors } = bp;
  await connected(page);
  await go(page, "Logs");
  const log = page.getByRole("log", { name: "Gateway log" });
  // The page's own connection was logged before the page opened.
  await log.getByText("client connected").first().waitFor();

  await refusedOrigin(gw.port, "http://first-marker.invalid");
  const first = log.locator("li").filter({ hasText: "first-marker" });
  await first.waitFor();
  assert.match(await first.innerText(), /warn/i);
  assert.match(await first.innerText(), /websocket upgrade refused/);

  const level = page.getByRole("combobox", { name: "Level" });
  await level.selectOption({ label: "warn and above" });
  assert.equal(await log.getByText("client connected").count(), 0, "info lines are filtered out");
  assert.equal(await first.count(), 1);
  await level.selectOption({ label: "All levels" });
  await log.getByText("client connected").first().waitFor();

  const search = page.getByRole("searchbox", { name: "Search" });
  await search.fill("FIRST-MARKER");
  assert.deepEqual(await log.locator("li").count(), 1, "the search matches without regard to case");
  await search.fill("marker");

  await page.getByRole("button", { name: "Pause" }).click();
  await refusedOrigin(gw.port, "http://second-marker.invalid");
  await page.getByText("1 new line while paused.").waitFor();
  assert.equal(await log.locator("li").filter({ hasText: "second-marker" }).count(), 0, "a paused view holds still");
  await shoot(page, "logs", () => log.waitFor());
  await page.getByRole("button", { name: "Resume" }).click();
  await log.locator("li").filter({ hasText: "second-marker" }).waitFor();

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download" }).click()]);
  assert.match(download.suggestedFilename(), /^clawdbot-gateway-.*\.log$/);
  const saved = (await readFile((await download.path())!, "utf8")).trim().split("\n");
  assert.equal(saved.length, 2, "what is shown, nothing else");
  const parsed = saved.map((l) => JSON.parse(l) as { message: string; origin: string; level: string });
  assert.deepEqual(parsed.map((p) => [p.message, p.origin, p.level]), [
    ["websocket upgrade refused: origin not allowed", "http://first-marker.invalid", "warn"],
    ["websocket upgrade refused: origin not allowed", "http://second-marker.invalid", "warn"],
  ]);
  assert.deepEqual(errors, []);
});

test("Logs need operator.admin: a read-only connection is told so", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const bp = await openControl(t, gw.port);
  if (!bp) return;
  const { page } = bp;
  await connected(page);
  await page.getByText("This browser: full control").click();
  await Promise.all([page.waitForEvent("load"), page.getByRole("radio", { name: "Read only" }).click()]);
  await connected(page);
  await go(page, "Logs");
  await page.getByText("Logs need the operator.admin scope").waitFor();
  assert.equal(await page.getByRole("log", { name: "Gateway log" }).count(), 0);
});
