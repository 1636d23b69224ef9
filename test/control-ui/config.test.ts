// The Config page against a real gateway and its real clawdbot.json: two pages editing at once
// (the later save is refused as a conflict, overwrites nothing, and reloads on request with the
// person's edits kept), secrets never reaching the page, the gateway's refusals shown by key path,
// and the changes that wait for a restart named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { startGateway } from "../support/gateway.js";
import { connected, go, openControl, shoot } from "./support.js";

const SECRET = "discord-secret-never-shown-0123456789";
const CONFIG = `{
  // kept across every save from the page
  "heartbeat": { "enabled": false },
  "logging": { "level": "info" },
  "channels": { "discord": { "enabled": false, "token": "${SECRET}" } }
}
`;

async function configPage(page: Page): Promise<void> {
  await connected(page);
  await page.getByRole("form", { name: "Settings" }).waitFor({ timeout: 30_000 });
}

/** Narrows the form to the keys matching `query` (their groups open). */
async function find(page: Page, query: string): Promise<void> {
  await page.getByLabel("Find a setting").fill(query);
}

async function save(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Save", exact: true }).click();
}

test("Config: two pages edit at once; the later save is a conflict that overwrites nothing, and reload keeps the edits", async (t) => {
  const gw = await startGateway({ configText: CONFIG });
  t.after(() => gw.stop());
  const read = () => readFile(join(gw.stateDir, "clawdbot.json"), "utf8");
  const a = await openControl(t, gw.port, "#/config");
  const b = await openControl(t, gw.port, "#/config");
  if (!a || !b) return;
  await configPage(a.page);
  await configPage(b.page);

  // Secrets are write-only: the field is empty, says a value is stored, and the page never holds it.
  await find(a.page, "discord.token");
  const token = a.page.getByLabel(/channels\.discord\.token/);
  assert.equal(await token.inputValue(), "");
  assert.match((await token.getAttribute("placeholder")) ?? "", /Stored/);
  assert.equal(await token.getAttribute("type"), "password");
  assert.ok(!(await a.page.content()).includes(SECRET));

  // Page A saves first.
  await find(a.page, "logging.level");
  await a.page.getByLabel(/logging\.level/).selectOption("debug");
  await a.page.locator("#config-pending", { hasText: "1 unsaved change" }).waitFor();
  await save(a.page);
  await a.page.getByRole("status", { name: "Saved" }).waitFor();
  const afterA = await read();
  assert.match(afterA, /"level": "debug"/);
  assert.match(afterA, /\/\/ kept across every save from the page/);
  assert.ok(afterA.includes(SECRET), "the stored secret stays in the file");

  // Page B still shows the version before A's save: its save is refused and changes nothing.
  await find(b.page, "heartbeat.intervalMs");
  await b.page.getByLabel(/heartbeat\.intervalMs/).fill("60000");
  await save(b.page);
  const conflict = b.page.getByRole("alert").filter({ hasText: "Changed elsewhere: not saved" });
  await conflict.waitFor();
  assert.match(await conflict.innerText(), /changed by another page or client/);
  assert.equal(await read(), afterA, "nothing overwritten");

  await conflict.getByRole("button", { name: "Reload the configuration" }).click();
  await conflict.waitFor({ state: "detached" });
  await find(b.page, "logging.level");
  assert.equal(await b.page.getByLabel(/logging\.level/).inputValue(), "debug", "B shows A's change");
  await find(b.page, "heartbeat.intervalMs");
  assert.equal(await b.page.getByLabel(/heartbeat\.intervalMs/).inputValue(), "60000", "B's own edit is kept");
  await save(b.page);
  await b.page.getByRole("status", { name: "Saved" }).waitFor();
  const afterB = await read();
  assert.match(afterB, /"level": "debug"/);
  assert.match(afterB, /"intervalMs": 60000/);
  assert.ok(afterB.includes(SECRET));

  // The same guard in the JSON5 editor: A's text is now stale; after reloading, A's text is kept beside.
  await a.page.getByRole("button", { name: "JSON5" }).click();
  const raw = a.page.getByLabel("clawdbot.json (JSON5)");
  const text = await raw.inputValue();
  assert.ok(!text.includes(SECRET) && text.includes('"[redacted]"'), text);
  assert.ok(!text.includes("intervalMs"), "A still has the version it loaded");
  await raw.fill(text.replace('"debug"', '"warn"'));
  await save(a.page);
  const rawConflict = a.page.getByRole("alert").filter({ hasText: "Changed elsewhere: not saved" });
  await rawConflict.getByRole("button", { name: "Reload the configuration" }).click();
  await rawConflict.waitFor({ state: "detached" });
  assert.match(await raw.inputValue(), /"intervalMs": 60000/);
  await a.page.getByText("Your text from before reloading").click();
  assert.match(await a.page.getByLabel("Your earlier text").inputValue(), /"level": "warn"/);
  assert.equal(await read(), afterB, "nothing overwritten");
  assert.deepEqual([...a.errors, ...b.errors], []);
});

test("Config: an invalid value is refused with its key path (form and JSON5); a change that needs a restart says so", async (t) => {
  const gw = await startGateway({ configText: CONFIG });
  t.after(() => gw.stop());
  const read = () => readFile(join(gw.stateDir, "clawdbot.json"), "utf8");
  const bp = await openControl(t, gw.port);
  if (!bp) return;
  const { page, errors } = bp;
  await connected(page);
  await go(page, "Config");
  await configPage(page);

  await find(page, "gateway.port");
  const port = page.getByLabel(/gateway\.port/);
  await port.fill("70000");
  await save(page);
  const refused = page.getByRole("alert").filter({ hasText: "The gateway refused this" });
  await refused.waitFor();
  assert.match(await refused.innerText(), /gateway\.port: must be at most 65535 \(got 70000\)/);
  assert.equal(await port.getAttribute("aria-invalid"), "true");
  const described = (await port.getAttribute("aria-describedby")) ?? "";
  const why = await Promise.all(described.split(" ").map((id) => page.locator(`[id="${id}"]`).innerText()));
  assert.ok(why.some((w) => /must be at most 65535/.test(w)), why.join(" | "));
  assert.equal(await read(), CONFIG, "nothing written");
  await shoot(page, "config-invalid", () => refused.waitFor());

  await page.getByRole("button", { name: "JSON5" }).click();
  const raw = page.getByLabel("clawdbot.json (JSON5)");
  await raw.fill((await raw.inputValue()).replace('"info"', '"loud"'));
  await save(page);
  await page.getByRole("alert").filter({ hasText: /logging\.level: must be one of trace, debug, info/ }).waitFor();
  assert.equal(await read(), CONFIG, "nothing written");

  // Fixed: the port waits for a restart, the heartbeat interval applies at once.
  await page.getByRole("button", { name: "Discard changes" }).click();
  await page.getByRole("button", { name: "Form" }).click();
  await find(page, "gateway.port");
  await port.fill("18999");
  assert.match(await page.locator('.cfg-field[data-path="gateway.port"]').innerText(), /Takes effect after a restart/);
  await find(page, "heartbeat.intervalMs");
  await page.getByLabel(/heartbeat\.intervalMs/).fill("120000");
  await page.locator("#config-pending", { hasText: "2 unsaved changes" }).waitFor();
  await save(page);
  const saved = page.getByRole("status", { name: "Saved" });
  await saved.waitFor();
  assert.match(await saved.innerText(), /Applied now: heartbeat\.intervalMs/);
  assert.match(await saved.innerText(), /Needs a restart: gateway\.port takes effect after the gateway restarts/);
  const written = await read();
  assert.match(written, /"port": 18999/);
  assert.match(written, /\/\/ kept across every save from the page/);
  await find(page, "");
  await shoot(page, "config", () => saved.waitFor());
  assert.deepEqual(errors, []);
});
