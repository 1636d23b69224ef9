// Sessions in Chromium against a real gateway and its echo agent: the list with search and the
// last message (attacker text stays text), a preview, settings saved (and a refusal shown by its key
// path), a turn elsewhere shown live, reset and delete after a confirmation; a read-only browser
// gets no write control and the gateway refuses its writes anyway.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Result } from "@clawdbot/protocol";
import { GatewayRequestError } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { call } from "../channels/harness.js";
import { turn } from "../sessions/support.js";
import { chatEnd, chatSend, commandConfig } from "../agent/wire.js";
import { eventually } from "../support/wait.js";
import { connected, openControl, shoot } from "./support.js";
import { mainButtons, openReadOnly, pageDevice } from "./read-only-support.js";

const EVIL = `<img src=x onerror="document.title='pwned'">evil`;

test("Sessions: search, preview, edit (refusal by key path), live update, reset and delete", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client: c } = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => c.close());
  await turn(c, "main", "good morning");
  await turn(c, "project-x", "Plan the garden");
  await turn(c, "notes", EVIL);
  const rows = async () => new Map((await call<Result<"sessions.list">>(c, "sessions.list")).sessions.map((s) => [s.key, s]));

  const bp = await openControl(t, gw.port, "#/sessions");
  if (!bp) return;
  const { page, errors } = bp;
  await connected(page);
  const session = (name: string | RegExp) => page.getByRole("article", { name });
  await session(/^project-x/).waitFor();
  await session(/^notes/).waitFor();
  assert.match(await session(/^project-x/).innerText(), /Messages\s+2/);
  assert.match(await session(/^notes/).innerText(), /echo: <img src=x onerror="document\.title='pwned'">evil/, "the last message is shown as text");

  // Search asks the gateway; only matching sessions stay.
  const search = page.getByRole("searchbox", { name: "Search sessions" });
  await search.fill("project");
  await eventually("only project-x listed", async () => (await session(/^notes/).count()) === 0 && (await session(/^project-x/).count()) === 1);
  assert.equal(await session(/^main/).count(), 0);
  await search.fill("nothing-like-this");
  await page.locator("#no-sessions").waitFor();
  await search.fill("");
  await session(/^notes/).waitFor();

  // Preview: the last messages, attacker text rendered as text.
  await session(/^notes/).getByRole("button", { name: "Preview notes" }).click();
  const preview = page.getByRole("list", { name: "Last messages of notes" });
  await preview.getByText(EVIL, { exact: true }).waitFor();
  assert.equal(await preview.getByRole("listitem").count(), 2);
  assert.equal(await page.locator("#main img").count(), 0, "no markup from message text");
  assert.notEqual(await page.title(), "pwned");

  // Settings: a label too long for the gateway is refused and the field named by its key path.
  const project = session(/^project-x/);
  await project.getByRole("button", { name: "Edit project-x" }).click();
  const form = page.getByRole("form", { name: "Settings of project-x" });
  await form.getByLabel("Label", { exact: true }).fill("x".repeat(80));
  await form.getByRole("button", { name: "Save" }).click();
  const refusal = form.getByRole("alert");
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /^label: must NOT have more than 64 characters/m);
  assert.equal(await form.getByLabel("Label", { exact: true }).getAttribute("aria-invalid"), "true");
  const described = await form.getByLabel("Label", { exact: true }).getAttribute("aria-describedby");
  assert.match(await page.locator(`#${described}`).innerText(), /^label: must NOT have more than 64 characters$/);
  assert.equal((await rows()).get("project-x")?.label, undefined, "nothing saved");

  await form.getByLabel("Label", { exact: true }).fill("Garden plans");
  await form.getByLabel("Thinking level").selectOption("high");
  await form.getByLabel("Send policy").selectOption("deny");
  await form.getByRole("button", { name: "Save" }).click();
  const garden = session(/^Garden plans/);
  await garden.waitFor();
  assert.match(await garden.innerText(), /sending off/);
  const saved = (await rows()).get("project-x")!;
  assert.deepEqual([saved.label, saved.thinkingLevel, saved.sendPolicy], ["Garden plans", "high", "deny"]);
  // Back to the defaults: cleared on the gateway, not set to empty strings.
  await garden.getByRole("button", { name: "Edit Garden plans" }).click();
  const again = page.getByRole("form", { name: "Settings of Garden plans" });
  await again.getByLabel("Send policy").selectOption("");
  await again.getByRole("button", { name: "Save" }).click();
  await eventually("send policy cleared", async () => (await rows()).get("project-x")?.sendPolicy === undefined);
  await eventually("pill gone", async () => !/sending off/.test(await garden.innerText()));

  // A turn from another client shows up without reloading the page.
  await turn(c, "project-x", "and the roses");
  await eventually("the new messages are counted", async () => /Messages\s+4/.test(await garden.innerText()));
  assert.match(await garden.innerText(), /echo: and the roses/);

  // The main session can be reset but not deleted.
  assert.equal(await session(/^main/).getByRole("button", { name: /^Delete/ }).count(), 0);
  await shoot(page, "sessions", () => garden.waitFor());

  // Reset: asks first; cancelling keeps everything.
  await garden.getByRole("button", { name: "Reset Garden plans" }).click();
  const resetDialog = page.getByRole("dialog", { name: "Reset Garden plans?" });
  assert.match(await resetDialog.innerText(), /4 messages are archived/);
  await resetDialog.getByRole("button", { name: "Cancel" }).click();
  assert.equal((await rows()).get("project-x")?.messageCount, 4);
  await garden.getByRole("button", { name: "Reset Garden plans" }).click();
  await page.getByRole("dialog", { name: "Reset Garden plans?" }).getByRole("button", { name: "Reset" }).click();
  await eventually("reset on the gateway", async () => (await rows()).get("project-x")?.messageCount === 0);
  await eventually("the page shows it", async () => /Messages\s+0/.test(await garden.innerText()));
  assert.equal((await rows()).get("project-x")?.label, "Garden plans", "settings survive a reset");

  // Delete: asks first, then the session is gone from the gateway and the page.
  await session(/^notes/).getByRole("button", { name: "Delete notes" }).click();
  const deleteDialog = page.getByRole("dialog", { name: "Delete notes?" });
  assert.equal(await deleteDialog.getByRole("checkbox", { name: "Delete the transcript for good instead" }).isChecked(), false);
  await deleteDialog.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("status", { name: "Notes" }).getByText("Deleted notes; transcript archived.").waitFor();
  await eventually("notes gone from the page", async () => (await session(/^notes/).count()) === 0);
  assert.equal((await rows()).has("notes"), false);
  assert.deepEqual(errors, []);
});

test("Sessions: a turn in progress shows its session running, live, until it ends", async (t) => {
  // The agent answers only once the test lets it: nothing here depends on how long a turn takes.
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-sessions-ui-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const go = join(dir, "go");
  const script = `const fs=require("fs");const t=setInterval(()=>{if(fs.existsSync(${JSON.stringify(go)})){clearInterval(t);process.stdout.write("done")}},20)`;
  const gw = await startGateway({ file: commandConfig(script) });
  t.after(() => gw.stop());
  const { client: c } = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => c.close());

  const bp = await openControl(t, gw.port, "#/sessions");
  if (!bp) return;
  const { page, errors } = bp;
  await connected(page);
  // A first turn answered at once makes the session.
  await writeFile(go, "");
  await turn(c, "slow", "hello");
  await rm(go);
  const slow = page.getByRole("article", { name: /^slow/ });
  await eventually("two messages", async () => /Messages\s+2/.test(await slow.innerText()));
  assert.equal(await slow.getByText("running", { exact: true }).count(), 0);

  const { runId } = await chatSend(c, "slow", "take your time");
  await slow.getByText("running", { exact: true }).waitFor();
  await writeFile(go, "");
  assert.equal((await chatEnd(c, runId)).state, "final");
  await eventually("no longer running", async () => (await slow.getByText("running", { exact: true }).count()) === 0);
  assert.match(await slow.innerText(), /Messages\s+4/);
  assert.deepEqual(errors, []);
});

test("Sessions read-only: previews but no write control; the gateway refuses the device's writes", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client: c } = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => c.close());
  await turn(c, "project-x", "Plan the garden");

  const bp = await openReadOnly(t, gw.port, "#/sessions");
  if (!bp) return;
  const { page, errors } = bp;
  const project = page.getByRole("article", { name: /^project-x/ });
  await project.waitFor();
  await project.getByRole("button", { name: "Preview project-x" }).click();
  await page.getByRole("list", { name: "Last messages of project-x" }).getByText("echo: Plan the garden").waitFor();
  assert.deepEqual(await mainButtons(page), ["Hide preview"], "reading only");

  const device = await pageDevice(t, page, gw.url);
  assert.equal((await device.call("sessions.list")).count, 1, "reading works");
  for (const [method, params] of [
    ["sessions.patch", { key: "project-x", label: "x" }],
    ["sessions.reset", { key: "project-x" }],
    ["sessions.delete", { key: "project-x" }],
    ["sessions.compact", { key: "project-x" }],
  ] as const) {
    const err = await device.request(method, params).then(
      () => assert.fail(`${method} was allowed`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GatewayRequestError && err.code === "FORBIDDEN", `${method}: ${String(err)}`);
  }
  assert.equal((await call<Result<"sessions.list">>(c, "sessions.list")).sessions[0]?.messageCount, 2, "nothing changed");
  assert.deepEqual(errors, []);
});
