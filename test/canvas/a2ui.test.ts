// The A2UI page in a real Chromium, with the bundle built by the real build script: v0.8
// surfaceUpdate + beginRendering render, dataModelUpdate changes bound text, deleteSurface removes
// the surface; pushes through window.clawdbotA2UI (as the node host does) and over the WebSocket.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { openPage } from "../webchat/support/browser.js";
import { buildA2uiBundle, rawRequest, startHost, type TestHost } from "./support/host.js";

const SCREENSHOT = "/tmp/canvas-a2ui.png";
let bundle = "";

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-a2ui-bundle-"));
  process.on("exit", () => void rm(dir, { recursive: true, force: true }));
  bundle = join(dir, "a2ui.js");
  buildA2uiBundle(bundle);
});

type A2uiApi = {
  protocolVersion: string;
  push(m: unknown[]): { applied: number; surfaces: string[] };
  reset(): unknown;
  surfaces(): string[];
  actions: { name: string; surfaceId: string; sourceComponentId: string; context: Record<string, unknown> }[];
};
type A2uiWindow = { clawdbotA2UI: A2uiApi };

/** As the node host does it: page.evaluate(window.clawdbotA2UI.push(messages)). */
function push(page: Page, messages: unknown[]): Promise<{ applied: number; surfaces: string[] }> {
  return page.evaluate((m) => (globalThis as unknown as A2uiWindow).clawdbotA2UI.push(m), messages);
}

const text = (literalString: string, usageHint?: string) => ({ Text: { text: { literalString }, ...(usageHint ? { usageHint } : {}) } });

/** A small v0.8 surface: a card with a heading, bound text, a row, a text field and a button. */
function surface(surfaceId: string, title: string): unknown[] {
  return [
    {
      surfaceUpdate: {
        surfaceId,
        components: [
          { id: "root", component: { Card: { child: "col" } } },
          { id: "col", component: { Column: { children: { explicitList: ["title", "greeting", "row", "name", "go"] } } } },
          { id: "title", component: text(title, "h2") },
          { id: "greeting", component: { Text: { text: { path: "/greeting" } } } },
          { id: "row", component: { Row: { children: { explicitList: ["left", "right"] }, distribution: "spaceBetween" } } },
          { id: "left", component: text("Left cell", "caption") },
          { id: "right", component: text("Right cell", "caption") },
          { id: "name", component: { TextField: { label: { literalString: "Your name" }, text: { path: "/name" } } } },
          { id: "go-label", component: text("Say hi") },
          { id: "go", component: { Button: { child: "go-label", primary: true, action: { name: "sayHi", context: [{ key: "who", value: { path: "/name" } }, { key: "n", value: { literalNumber: 3 } }] } } } },
        ],
      },
    },
    { dataModelUpdate: { surfaceId, contents: [{ key: "greeting", valueString: "Hello, first value" }, { key: "name", valueString: "Ada" }] } },
    { beginRendering: { surfaceId, root: "root" } },
  ];
}

async function openA2ui(t: import("node:test").TestContext): Promise<{ page: Page; errors: string[]; h: TestHost } | undefined> {
  const bp = await openPage(t);
  if (!bp) return undefined;
  const h = await startHost(t, { a2uiBundle: bundle });
  const res = await bp.page.goto(`${h.url}/__clawdbot__/a2ui/`, { waitUntil: "load" });
  assert.equal(res?.status(), 200);
  assert.equal(await bp.page.evaluate(() => typeof (globalThis as unknown as A2uiWindow).clawdbotA2UI?.push), "function", "ready by the load event");
  return { ...bp, h };
}

test("the A2UI page is served with its CSP and bundle; nothing else is fetched", async (t) => {
  const h = await startHost(t, { a2uiBundle: bundle });
  const page = await rawRequest(h.port, "/__clawdbot__/a2ui/");
  assert.equal(page.status, 200);
  assert.match(String(page.headers["content-security-policy"]), /script-src 'self'/);
  assert.match(page.text, /<script type="module" src="\.\/a2ui\.js">/);
  assert.ok(!page.text.includes("__clawdbot__/live.js"), "the A2UI page does not live-reload");
  const js = await rawRequest(h.port, "/__clawdbot__/a2ui/a2ui.js");
  assert.equal(js.status, 200);
  assert.equal(js.headers["content-type"], "text/javascript; charset=utf-8");
  assert.doesNotMatch(js.text, /fonts\.googleapis|\bfetch\(/, "the bundle loads nothing from the network");
});

test("surfaceUpdate + beginRendering render; dataModelUpdate changes bound text; deleteSurface removes it", async (t) => {
  const o = await openA2ui(t);
  if (!o) return;
  const { page, errors, h } = o;
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.getByText("Nothing to show yet").waitFor();
  assert.equal(await page.evaluate(() => (globalThis as unknown as A2uiWindow).clawdbotA2UI.protocolVersion), "0.8");

  const result = await push(page, surface("main", "Canvas A2UI works"));
  assert.deepEqual(result, { applied: 3, surfaces: ["main"] });
  await page.getByText("Canvas A2UI works").waitFor();
  await page.getByText("Hello, first value").waitFor();
  await page.getByText("Right cell").waitFor();
  assert.equal(await page.getByRole("button", { name: "Say hi" }).count(), 1);
  assert.equal(await page.getByText("Nothing to show yet").count(), 0);
  await page.screenshot({ path: SCREENSHOT });

  // A dataModelUpdate at "/" replaces the surface's whole data model.
  await push(page, [{ dataModelUpdate: { surfaceId: "main", path: "/", contents: [{ key: "greeting", valueString: "Hello, second value" }, { key: "name", valueString: "Grace" }] } }]);
  await page.getByText("Hello, second value").waitFor();
  assert.equal(await page.getByText("Hello, first value").count(), 0);

  await page.getByRole("button", { name: "Say hi" }).click();
  await page.waitForFunction(() => (globalThis as unknown as A2uiWindow).clawdbotA2UI.actions.length === 1);
  const [action] = await page.evaluate(() => (globalThis as unknown as A2uiWindow).clawdbotA2UI.actions);
  assert.deepEqual(
    { name: action?.name, surfaceId: action?.surfaceId, context: action?.context },
    { name: "sayHi", surfaceId: "main", context: { who: "Grace", n: 3 } },
    "a Button yields a v0.8 userAction with its context bindings resolved",
  );

  assert.deepEqual(await push(page, [{ deleteSurface: { surfaceId: "main" } }]), { applied: 1, surfaces: [] });
  await page.getByText("Canvas A2UI works").waitFor({ state: "detached" });
  await page.getByText("Nothing to show yet").waitFor();
  assert.equal(await page.locator("a2ui-surface").count(), 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    requests.filter((u) => !u.startsWith(h.url)),
    [],
    "no request leaves the canvas host",
  );
});

test("several surfaces; an invalid batch is refused whole with the reason; reset() clears everything", async (t) => {
  const o = await openA2ui(t);
  if (!o) return;
  const { page } = o;
  await push(page, [...surface("one", "Surface one"), ...surface("two", "Surface two")]);
  await page.getByText("Surface one").waitFor();
  await page.getByText("Surface two").waitFor();

  const refused = await page
    .evaluate((m) => {
      try {
        (globalThis as unknown as A2uiWindow).clawdbotA2UI.push(m);
        return "accepted";
      } catch (err) {
        return String(err);
      }
    }, [{ deleteSurface: { surfaceId: "one" } }, { surfaceUpdate: { surfaceId: "two" } }, { notAMessage: true }])
    .catch((err: unknown) => String(err));
  assert.match(refused, /A2UI message 1 is not a valid v0\.8/);
  assert.deepEqual(await page.evaluate(() => (globalThis as unknown as A2uiWindow).clawdbotA2UI.surfaces()), ["one", "two"], "nothing of the batch was applied");
  await assert.rejects(push(page, "nope" as unknown as unknown[]), /must be an array/);

  await page.evaluate(() => (globalThis as unknown as A2uiWindow).clawdbotA2UI.reset());
  await page.getByText("Nothing to show yet").waitFor();
  assert.equal(await page.getByText("Surface one").count(), 0);
});

test("the host can push A2UI messages to open A2UI pages over the canvas WebSocket", async (t) => {
  const o = await openA2ui(t);
  if (!o) return;
  const { page, h, errors } = o;
  await page.waitForFunction(() => (globalThis as unknown as { clawdbotA2UI: { connected: boolean } }).clawdbotA2UI.connected === true);
  assert.equal(h.host.pushA2ui(surface("ws", "Pushed over the socket")), 1);
  await page.getByText("Pushed over the socket").waitFor();
  assert.equal(h.host.resetA2ui(), 1);
  await page.getByText("Nothing to show yet").waitFor();
  assert.deepEqual(errors, []);
});
