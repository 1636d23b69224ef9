// Cron in Chromium against a real gateway whose scheduler runs on an injected clock: a job added
// from the form runs when the clock reaches its one-minute interval and its run shows in the
// history; run now; edit with a refused cron expression shown at its key path; disable, enable and
// remove. A read-only browser reads jobs and history but gets no write control, and the gateway
// refuses the device's writes anyway.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CronJob, Result } from "@clawdbot/protocol";
import { GatewayRequestError } from "@clawdbot/protocol/client";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { FakeClock } from "../support/fake-clock.js";
import { call } from "../channels/harness.js";
import { eventually } from "../support/wait.js";
import { MIN } from "../cron/support.js";
import { connected, openControl, shoot } from "./support.js";
import { mainButtons, openReadOnly, pageDevice } from "./read-only-support.js";

test("Cron: add a job from the form, see it run on its interval and in its history; run now, edit, disable, remove", async (t) => {
  // Near the real time: the browser's device signature is checked against the gateway's clock.
  const clock = new FakeClock(Date.now());
  const gw = await startGateway({ now: clock.now, timers: clock, file: { heartbeat: { enabled: false } } });
  t.after(() => gw.stop());
  const { client: c } = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => c.close());
  const idle = () => eventually("cron runs finish", async () => (await call<Result<"cron.status">>(c, "cron.status")).runningJobs === 0, 20_000);
  const jobs = async () => (await call<Result<"cron.list">>(c, "cron.list", { includeDisabled: true })).jobs;
  const runs = async (id: string) => (await call<Result<"cron.runs">>(c, "cron.runs", { id })).entries;

  const bp = await openControl(t, gw.port, "#/cron");
  if (!bp) return;
  const { page, errors } = bp;
  await connected(page);
  await page.locator("#no-jobs").waitFor();

  // Add: every minute, an agent turn in the job's own session.
  await page.getByRole("button", { name: "Add job" }).click();
  const form = page.getByRole("form", { name: "New job" });
  await form.getByLabel("Name").fill("Water the plants");
  assert.equal(await form.getByLabel("Schedule").inputValue(), "every");
  await form.getByLabel("Every", { exact: true }).fill("1");
  await form.getByLabel("Unit").selectOption("min");
  await form.getByLabel("Message").fill("Water the plants now");
  await form.getByRole("button", { name: "Add job" }).click();
  const article = page.getByRole("article", { name: /^Water the plants/ });
  await article.waitFor();
  const [job] = await jobs();
  assert.ok(job);
  assert.deepEqual([job.name, job.schedule, job.sessionTarget, job.payload], ["Water the plants", { kind: "every", everyMs: MIN }, "isolated", { kind: "agentTurn", message: "Water the plants now" }]);
  assert.match(await article.innerText(), /Schedule\s+every 1 min/);
  assert.match(await article.innerText(), /Next run\s+in/);
  assert.match(await article.innerText(), /Last run\s+never/);
  assert.equal(await form.count(), 0, "the form closes once the job is added");

  // The scheduler's clock reaches the interval: the job runs and the page follows the event.
  await page.getByRole("button", { name: "History of Water the plants" }).click();
  await article.getByText("No run yet.").waitFor();
  await clock.advance(MIN, idle);
  const history = page.getByRole("table", { name: "Run history of Water the plants" });
  await history.waitFor();
  const firstRow = history.getByRole("row").nth(1);
  assert.deepEqual((await firstRow.getByRole("cell").allInnerTexts()).slice(1, 3), ["schedule", "ok"]);
  assert.equal(await firstRow.getByRole("cell").nth(4).innerText(), "echo: Water the plants now");
  await eventually("last status shown", async () => /Last run\s+ok/.test(await article.innerText()));
  assert.deepEqual((await runs(job.id)).map((r) => [r.trigger, r.status, r.summary]), [["schedule", "ok", "echo: Water the plants now"]]);

  // Run now: a second run, newest first in the history.
  await article.getByRole("button", { name: "Run Water the plants now" }).click();
  await eventually("two runs listed", async () => (await history.getByRole("row").count()) === 3);
  assert.equal(await history.getByRole("row").nth(1).getByRole("cell").nth(1).innerText(), "run now");
  assert.deepEqual((await runs(job.id)).map((r) => r.trigger), ["schedule", "manual"]);
  await shoot(page, "cron", () => history.waitFor());

  // Edit: a cron expression the gateway refuses is shown at its field, by key path; nothing saved.
  await article.getByRole("button", { name: "Edit Water the plants" }).click();
  const edit = page.getByRole("form", { name: "Edit Water the plants" });
  await edit.getByLabel("Name").fill("Water the garden");
  await edit.getByLabel("Schedule").selectOption("cron");
  await edit.getByLabel("Cron expression").fill("61 * * * *");
  await edit.getByRole("button", { name: "Save job" }).click();
  await edit.getByRole("alert").waitFor();
  assert.match(await edit.getByRole("alert").innerText(), /^schedule\.expr: "61 \* \* \* \*" is not a cron expression/m);
  const expr = edit.getByLabel("Cron expression");
  assert.equal(await expr.getAttribute("aria-invalid"), "true");
  assert.match(await page.locator(`#${await expr.getAttribute("aria-describedby")}`).innerText(), /^schedule\.expr: /);
  assert.equal(await edit.getByLabel("Name").getAttribute("aria-invalid"), "false");
  assert.equal((await jobs())[0]?.name, "Water the plants", "a refused edit changes nothing");
  await shoot(page, "cron-form", () => edit.getByRole("alert").waitFor());
  await expr.fill("0 7 * * *");
  await edit.getByLabel("Time zone").fill("Europe/Berlin");
  await edit.getByRole("button", { name: "Save job" }).click();
  const garden = page.getByRole("article", { name: /^Water the garden/ });
  await garden.waitFor();
  assert.match(await garden.innerText(), /Schedule\s+cron 0 7 \* \* \* \(Europe\/Berlin\)/);
  const edited = (await jobs())[0]!;
  assert.deepEqual([edited.id, edited.name, edited.schedule, edited.payload], [job.id, "Water the garden", { kind: "cron", expr: "0 7 * * *", tz: "Europe/Berlin" }, job.payload]);
  assert.equal(new Date(edited.state.nextRunAtMs!).toLocaleTimeString("en-GB", { timeZone: "Europe/Berlin" }), "07:00:00");

  // Disable and enable.
  await garden.getByRole("button", { name: "Disable Water the garden" }).click();
  await garden.getByText("disabled", { exact: true }).waitFor();
  assert.match(await garden.innerText(), /Next run\s+— \(disabled\)/);
  assert.equal((await jobs())[0]?.enabled, false);
  await garden.getByRole("button", { name: "Enable Water the garden" }).click();
  await garden.getByText("enabled", { exact: true }).waitFor();
  assert.equal((await jobs())[0]?.enabled, true);

  // Remove: asks first; the history stays readable on the gateway.
  await garden.getByRole("button", { name: "Remove Water the garden" }).click();
  const dialog = page.getByRole("dialog", { name: "Remove Water the garden?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  assert.equal((await jobs()).length, 1);
  await garden.getByRole("button", { name: "Remove Water the garden" }).click();
  await page.getByRole("dialog", { name: "Remove Water the garden?" }).getByRole("button", { name: "Remove" }).click();
  await page.locator("#no-jobs").waitFor();
  assert.deepEqual(await jobs(), []);
  assert.equal((await runs(job.id)).length, 2);

  // A schema refusal (an interval under a second) is shown at the interval's field by key path.
  await page.getByRole("button", { name: "Add job" }).click();
  const once = page.getByRole("form", { name: "New job" });
  await once.getByLabel("Name").fill("Stand up");
  await once.getByLabel("Every", { exact: true }).fill("0.5");
  await once.getByLabel("Unit").selectOption("s");
  await once.getByLabel("Message").fill("Stand up and stretch");
  await once.getByRole("button", { name: "Add job" }).click();
  await once.getByRole("alert").waitFor();
  assert.match(await once.getByRole("alert").innerText(), /^schedule\.everyMs: must be >= 1000$/m);
  assert.equal(await once.getByLabel("Every", { exact: true }).getAttribute("aria-invalid"), "true");
  assert.deepEqual(await jobs(), []);

  // Once, at a time: a system event for the main session, acted on at the next heartbeat.
  const at = new Date(Date.now() + 2 * 3_600_000);
  at.setSeconds(0, 0);
  const local = new Date(at.getTime() - at.getTimezoneOffset() * MIN).toISOString().slice(0, 16);
  await once.getByLabel("Schedule").selectOption("at");
  await once.getByLabel("Run at").fill(local);
  await once.getByLabel("What it does").selectOption("systemEvent");
  assert.equal(await once.getByLabel("Session", { exact: true }).count(), 0, "system events go to the main session");
  await once.getByLabel("Wake the agent").selectOption("next-heartbeat");
  await once.getByLabel("Event text").fill("Stand up and stretch");
  await once.getByLabel("Remove after it ran").check();
  await once.getByRole("button", { name: "Add job" }).click();
  await page.getByRole("article", { name: /^Stand up/ }).waitFor();
  const [standUp] = await jobs();
  assert.deepEqual(
    [standUp?.schedule, standUp?.sessionTarget, standUp?.wakeMode, standUp?.payload, standUp?.deleteAfterRun],
    [{ kind: "at", atMs: at.getTime() }, "main", "next-heartbeat", { kind: "systemEvent", text: "Stand up and stretch" }, true],
  );
  assert.deepEqual(errors, []);
});

test("Cron read-only: jobs and history without a write control; the gateway refuses the device's writes", async (t) => {
  const gw = await startGateway({ file: { heartbeat: { enabled: false } } });
  t.after(() => gw.stop());
  const { client: c } = await connectRaw(gw.url, { mode: "ui" });
  t.after(() => c.close());
  const job = await call<CronJob>(c, "cron.add", { name: "Morning summary", schedule: { kind: "cron", expr: "0 8 * * *" }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "Summarise" } });
  await call(c, "cron.run", { id: job.id });

  const bp = await openReadOnly(t, gw.port, "#/cron");
  if (!bp) return;
  const { page, errors } = bp;
  const article = page.getByRole("article", { name: /^Morning summary/ });
  await article.waitFor();
  await article.getByRole("button", { name: "History of Morning summary" }).click();
  await page.getByRole("table", { name: "Run history of Morning summary" }).getByText("echo: Summarise").waitFor();
  assert.deepEqual(await mainButtons(page), ["Hide history"], "reading only");

  const device = await pageDevice(t, page, gw.url);
  assert.equal((await device.call("cron.list")).jobs.length, 1, "reading works");
  for (const [method, params] of [
    ["cron.add", { name: "x", schedule: { kind: "every", everyMs: MIN }, sessionTarget: "isolated", wakeMode: "now", payload: { kind: "agentTurn", message: "m" } }],
    ["cron.update", { id: job.id, patch: { enabled: false } }],
    ["cron.run", { id: job.id }],
    ["cron.remove", { id: job.id }],
  ] as const) {
    const err = await device.request(method, params).then(
      () => assert.fail(`${method} was allowed`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GatewayRequestError && err.code === "FORBIDDEN", `${method}: ${String(err)}`);
  }
  assert.equal((await call<Result<"cron.list">>(c, "cron.list")).jobs[0]?.enabled, true, "nothing changed");
  assert.deepEqual(errors, []);
});
