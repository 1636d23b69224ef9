// The companion core end to end over its stdio protocol: a test shell drives a companion process
// against a real in-process gateway; systemctl and node-mac-permissions are the injected seams.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import type { ConfigFile } from "@clawdbot/sidecar";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RawClient, connectParams, connectRaw, nodeConnectParams, type Frame } from "../support/raw-client.js";
import { eventually } from "../support/wait.js";
import { cliEnv } from "../cli/run-cli.js";
import { FakeTelegram } from "../fakes/telegram/server.js";
import { TestShell, item, itemIds } from "./shell.js";
import { FakeWhatsApp } from "../fakes/whatsapp/world.js";
import { seedLinkedCreds } from "../channels/whatsapp-harness.js";
import type { CompanionMessage, MenuModel } from "@clawdbot/protocol/companion";
import { PassThrough } from "node:stream";
import { createInterface } from "node:readline";
import { Companion, type Schedule } from "../../cli/src/companion/companion.js";
import { ShellLines } from "../../cli/src/companion/stdio.js";
import { DeviceIdentityDir } from "../../cli/src/identity-dir.js";
import { fixedProbe } from "../../cli/src/permissions/probe.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = fileURLToPath(new URL("./companion-child.ts", import.meta.url));
/** Where the "remote" device appears to connect from, through a reverse proxy at PROXY_IP. */
const REMOTE_IP = "203.0.113.7";
/** A loopback address of its own for the proxy, so the companion on 127.0.0.1 stays local. */
const PROXY_IP = "127.0.0.2";
const UNIT = "clawdbot-gateway.service";

interface Setup {
  gw: TestGateway;
  shell: TestShell;
  stateDir: string;
  /** The systemd user unit inside the test's HOME. */
  unitFile: string;
  runnerCalls(): Promise<string[][]>;
  setPermissions(p: Record<string, string>): Promise<void>;
}

async function setup(
  t: TestContext,
  o: { file?: ConfigFile; permissions?: Record<string, string>; gateway?: TestGateway; service?: "installed" | "running" | "missing" } = {},
): Promise<Setup> {
  const gw = o.gateway ?? (await startGateway({ file: { gateway: { trustedProxies: [PROXY_IP], authRateLimit: { maxFailures: 100_000 } }, ...o.file } }));
  if (!o.gateway) t.after(() => gw.stop());
  // Removed after the companion is killed (hooks run in order), not while it still writes there.
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-companion-"));
  const home = join(dir, "home");
  // The service is installed (its unit file exists) and, per SERVICE_STATE, not running.
  const unitFile = join(home, ".config", "systemd", "user", UNIT);
  if (o.service !== "missing") {
    await mkdir(join(home, ".config", "systemd", "user"), { recursive: true });
    await writeFile(unitFile, "[Unit]\n");
  }
  const files = { RUNNER_LOG: join(dir, "runner.log"), SERVICE_STATE: join(dir, "service.json"), PERMISSIONS: join(dir, "permissions.json") };
  await writeFile(files.RUNNER_LOG, "");
  await writeFile(files.SERVICE_STATE, JSON.stringify({ running: o.service === "running" }));
  const setPermissions = (p: Record<string, string>) => writeFile(files.PERMISSIONS, JSON.stringify(p));
  await setPermissions(o.permissions ?? {});
  const stateDir = join(dir, "state");
  const shell = TestShell.start(t, ["--import", "tsx", CHILD, gw.url], cliEnv(stateDir, { HOME: home, ...files }), ROOT);
  t.after(() => rm(dir, { recursive: true, force: true }));
  shell.send({ type: "hello", shellVersion: "test-shell 1.0" });
  await shell.menu((m) => m.gateway.state === "running", "the companion connects (local devices are auto-approved)");
  const runnerCalls = async () => (await readFile(files.RUNNER_LOG, "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as string[]);
  return { gw, shell, stateDir, unitFile, runnerCalls, setPermissions };
}

/** A device connecting from REMOTE_IP through the trusted proxy: never auto-approved. */
async function remoteConnect(url: string, identity: DeviceIdentity): Promise<Frame> {
  const c = await RawClient.open(url, { localAddress: PROXY_IP, headers: { "X-Forwarded-For": REMOTE_IP } });
  try {
    const nonce = await c.challenge();
    return await c.request("connect", connectParams({ identity, scopes: ["operator.read", "operator.write"], nonce, clientId: "clawdbot-ios", mode: "ui" }));
  } finally {
    c.close();
  }
}

test("a remote device asks to pair: menu and one notification; clicking approve lets the waiting device in", async (t) => {
  const { gw, shell } = await setup(t);
  const phone = generateIdentity();
  const first = await remoteConnect(gw.url, phone);
  assert.equal(first.ok, false);
  assert.equal(first.error?.code, "NOT_PAIRED");
  const requestId = (first.error?.details as { requestId: string }).requestId;

  const notify = await shell.expect("notify", (n) => n.id === `pair:device:${requestId}`, "pairing notification");
  assert.equal(notify.title, "Device clawdbot-ios wants to pair");
  assert.match(notify.body, new RegExp(`from ${REMOTE_IP.replace(/\./g, "\\.")} — asks for operator\\.read, operator\\.write`));
  assert.deepEqual(notify.actions, [{ id: "approve", title: "Approve" }, { id: "reject", title: "Reject" }]);

  const menu = await shell.menu((m) => m.pending.some((p) => p.requestId === requestId), "the request in the menu");
  const pending = menu.pending.find((p) => p.requestId === requestId)!;
  assert.deepEqual({ kind: pending.kind, address: pending.address, scopes: pending.scopes, clientId: pending.clientId }, { kind: "device", address: REMOTE_IP, scopes: ["operator.read", "operator.write"], clientId: "clawdbot-ios" });
  const approve = item(menu, `pair.approve:device:${requestId}`);
  assert.equal(approve?.title, "Approve — grants operator.read, operator.write", "the approval repeats the scopes");
  assert.ok(item(menu, `pair.reject:device:${requestId}`)?.enabled);

  // The device keeps trying while it waits: still the same request, still one notification.
  assert.equal((await remoteConnect(gw.url, phone)).error?.code, "NOT_PAIRED");
  const mark = shell.mark();
  shell.send({ type: "click", itemId: `pair.approve:device:${requestId}` });
  const after = await shell.menu((m) => m.pending.length === 0 && m.notice !== undefined, "the approval done", mark);
  assert.equal(after.notice, "Approved clawdbot-ios: operator.read, operator.write");
  const hello = await remoteConnect(gw.url, phone);
  assert.equal(hello.ok, true, JSON.stringify(hello.error));
  assert.deepEqual((hello.payload as { auth?: { scopes: string[] } }).auth?.scopes, ["operator.read", "operator.write"]);
  assert.equal(shell.of("notify").filter((n) => n.id === `pair:device:${requestId}`).length, 1, "one notification per request");
  assert.deepEqual(shell.of("error"), []);
});

test("Reject from the notification's action button refuses the device", async (t) => {
  const { gw, shell } = await setup(t);
  const laptop = generateIdentity();
  const res = await remoteConnect(gw.url, laptop);
  const requestId = (res.error?.details as { requestId: string }).requestId;
  await shell.expect("notify", (n) => n.id === `pair:device:${requestId}`, "pairing notification");
  const mark = shell.mark();
  shell.send({ type: "notification-action", id: `pair:device:${requestId}`, action: "reject" });
  const menu = await shell.menu((m) => m.notice !== undefined, "the rejection done", mark);
  assert.equal(menu.notice, "Rejected clawdbot-ios");
  assert.deepEqual(menu.pending, []);
  const again = await remoteConnect(gw.url, laptop);
  assert.equal(again.error?.code, "NOT_PAIRED", "a rejected device is not let in");
  assert.notEqual((again.error?.details as { requestId: string }).requestId, requestId, "it has to ask anew");
});

test("gateway stopped: the menu says so; Start runs the daemon module's start through the runner; the companion reconnects", async (t) => {
  const first = await startGateway({ file: { gateway: { trustedProxies: [PROXY_IP] } } });
  let current = first;
  t.after(() => current.stop());
  const { shell, runnerCalls } = await setup(t, { gateway: first });
  const running = await shell.menu((m) => m.service.installed && !m.service.running, "service installed, not running");
  assert.equal(item(running, "service.start")?.enabled, true);
  assert.equal(item(running, "service.stop")?.enabled, false);
  assert.equal(running.service.supervisor, "systemd");

  let mark = shell.mark();
  await first.stop();
  const stopped = await shell.menu((m) => m.gateway.state === "stopped", "the menu says stopped", mark);
  assert.equal(item(stopped, "gateway.status")?.title, "Gateway stopped");
  assert.deepEqual(stopped.pending, []);
  assert.equal(item(stopped, "open.control")?.enabled, false, "nothing to open while it is stopped");

  mark = shell.mark();
  shell.send({ type: "click", itemId: "service.start" });
  const started = await shell.menu((m) => m.notice === "Gateway service started", "start reported", mark);
  assert.equal(started.service.running, true);
  assert.equal(started.service.pid, 4242);
  assert.deepEqual((await runnerCalls()).filter((c) => c[2] !== "status"), [["systemctl", "--user", "start", UNIT]]);

  // What the supervisor would do: the gateway comes back on its port; the companion finds it.
  mark = shell.mark();
  current = await startGateway({ stateDir: first.stateDir, file: { gateway: { trustedProxies: [PROXY_IP] } }, flags: { port: first.port } });
  await shell.menu((m) => m.gateway.state === "running", "running again", mark);
});

test("a channel that goes down updates the menu and notifies once", async (t) => {
  const fake = await FakeTelegram.start();
  t.after(() => (fake.dropHung(), fake.stop()));
  const file: ConfigFile = { heartbeat: { enabled: false }, channels: { telegram: { botToken: fake.token, apiRoot: fake.apiRoot, pollTimeoutSec: 1 } } };
  const { shell, runnerCalls } = await setup(t, { file });
  const up = await shell.menu((m) => m.channels.some((c) => c.name === "telegram" && c.connected), "telegram connected");
  const telegramRow = (m: typeof up) => m.sections.find((x) => x.id === "channels")?.items.find((i) => i.id.startsWith("channel:telegram"));
  assert.match(telegramRow(up)?.title ?? "", /^Telegram( \(.+\))?: connected$/);

  const mark = shell.mark();
  fake.fail("getUpdates", { kind: "error", code: 401 }, { times: Infinity });
  const down = await shell.menu((m) => m.channels.some((c) => c.name === "telegram" && !c.connected), "telegram down", mark);
  const row = telegramRow(down);
  assert.match(row?.title ?? "", /^Telegram( \(.+\))?: down$/);
  assert.match(row?.detail ?? "", /401|Unauthorized/i);
  const notice = await shell.expect("notify", (n) => n.title === "Telegram is down", "channel-down notification", mark);
  assert.match(notice.body, /401|Unauthorized/i);
  // Each poll asks systemctl and the gateway together: three more polls while it stays down.
  const polled = (await runnerCalls()).length;
  await eventually("three more polls", async () => (await runnerCalls()).length >= polled + 3, 30_000);
  assert.equal(shell.of("notify", mark).filter((n) => n.title === "Telegram is down").length, 1, "one notification for one outage");
});

test("malformed lines from the shell are answered with an error line and ignored", async (t) => {
  const { shell } = await setup(t);
  const mark = shell.mark();
  shell.sendLine("this is not json");
  shell.sendLine("{}");
  shell.sendLine('{"type":"click"}');
  shell.sendLine('{"type":"hello","shellVersion":"1","extra":true}');
  shell.sendLine("[1,2,3]");
  shell.send({ type: "click", itemId: "no.such.item" });
  shell.send({ type: "click", itemId: "service.stop" }); // shown, but disabled: the service is not running
  shell.send({ type: "notification-action", id: "pair:device:unknown", action: "launch" });
  shell.sendLine("");
  shell.send({ type: "click", itemId: "copy.url" });
  const copied = await shell.expect("clipboard", () => true, "the companion still works", mark);
  assert.equal(copied.text.startsWith("ws://127.0.0.1:"), true);
  const errors = shell.of("error", mark);
  assert.deepEqual(
    errors.map((e) => e.code),
    ["INVALID_MESSAGE", "INVALID_MESSAGE", "INVALID_MESSAGE", "INVALID_MESSAGE", "INVALID_MESSAGE", "UNKNOWN_ITEM", "UNKNOWN_ITEM", "UNKNOWN_ITEM"],
  );
  assert.match(errors[0]!.message, /not JSON/);
  assert.match(errors[5]!.message, /no enabled menu item "no\.such\.item"/);
  // Nothing else happened: no URL opened, no quit, no notification.
  assert.deepEqual(shell.of("open-url", mark), []);
  assert.deepEqual(shell.of("quit", mark), []);
  assert.deepEqual(shell.of("notify", mark), []);
  assert.equal(shell.of("clipboard", mark).length, 1);
});

test("permissions: missing ones offer Open System Settings; granting one updates the menu", async (t) => {
  const s = await setup(t, { permissions: { camera: "denied", microphone: "authorized", screen: "not determined", location: "authorized", accessibility: "authorized", "full-disk-access": "authorized" } });
  const menu = await s.shell.menu((m) => m.permissions.items.some((p) => p.name === "camera" && p.status === "denied"), "permissions shown");
  assert.equal(menu.permissions.applicable, true);
  assert.equal(item(menu, "permission.open:camera")?.title, "Camera: denied — Open System Settings…");
  assert.equal(item(menu, "permission.open:screen-recording")?.title, "Screen Recording: not determined — Open System Settings…");
  assert.equal(item(menu, "permission:microphone")?.checked, true);
  assert.ok(!itemIds(menu).includes("permission.open:microphone"), "no settings row for a granted permission");
  let mark = s.shell.mark();
  s.shell.send({ type: "click", itemId: "permission.open:camera" });
  const open = await s.shell.expect("open-url", () => true, "System Settings opened", mark);
  assert.equal(open.url, "x-apple.systempreferences:com.apple.preference.security?Privacy_Camera");
  mark = s.shell.mark();
  await s.setPermissions({ camera: "authorized", microphone: "authorized", screen: "not determined", location: "authorized", accessibility: "authorized", "full-disk-access": "authorized" });
  const granted = await s.shell.menu((m) => m.permissions.items.find((p) => p.name === "camera")?.status === "granted", "camera granted", mark);
  assert.ok(!itemIds(granted).includes("permission.open:camera"));
});

test("a node asks to pair: the menu lists its commands, one notification, and Approve pairs it", async (t) => {
  const { gw, shell } = await setup(t);
  const { client: admin } = await connectRaw(gw.url, { scopes: ["operator.admin"], mode: "cli", clientId: "cli" });
  t.after(() => admin.close());
  const filed = await admin.request("node.pair.request", { nodeId: "kitchen-ipad", displayName: "Kitchen iPad", platform: "ios", version: "2.1.0", commands: ["canvas.navigate", "camera.snap"] });
  assert.equal(filed.ok, true, JSON.stringify(filed.error));
  const requestId = (filed.payload as { request: { requestId: string } }).request.requestId;

  const notify = await shell.expect("notify", (n) => n.id === `pair:node:${requestId}`, "node pairing notification");
  assert.deepEqual(notify.actions.map((a) => a.id), ["approve", "reject"]);
  const menu = await shell.menu((m) => m.pending.some((p) => p.requestId === requestId), "the node request in the menu");
  const pending = menu.pending.find((p) => p.requestId === requestId)!;
  assert.equal(pending.kind, "node");
  assert.equal(item(menu, `pair.approve:node:${requestId}`)?.title, "Approve — node commands: canvas.navigate, camera.snap");

  const mark = shell.mark();
  shell.send({ type: "click", itemId: `pair.approve:node:${requestId}` });
  await shell.menu((m) => m.pending.length === 0 && m.notice !== undefined, "the node approved", mark);
  const listed = await admin.request("node.pair.list", {});
  const paired = (listed.payload as { paired: Array<{ nodeId: string }> }).paired;
  assert.ok(paired.some((n) => n.nodeId === "kitchen-ipad"), "the node is paired on the gateway");
  assert.equal(shell.of("notify").filter((n) => n.id === `pair:node:${requestId}`).length, 1);
});

test("nodes online: a connected node shows in the menu and goes offline when it disconnects", async (t) => {
  const { gw, shell } = await setup(t);
  const identity = generateIdentity();
  const c = await RawClient.open(gw.url);
  const nonce = await c.challenge();
  const res = await c.request("connect", nodeConnectParams({ identity, nonce }, ["system.run"]));
  assert.equal(res.ok, true, JSON.stringify(res.error));
  const online = await shell.menu((m) => m.nodes.some((n) => n.connected), "the node online");
  assert.equal(item(online, "nodes.summary")?.title, `${online.nodes.filter((n) => n.connected).length} of ${online.nodes.length} node${online.nodes.length === 1 ? "" : "s"} online`);
  assert.match(item(online, "nodes.summary")?.title ?? "", /^1 of \d+ nodes? online$/);
  const mark = shell.mark();
  c.close();
  await shell.menu((m) => !m.nodes.some((n) => n.connected), "the node offline", mark);
});

test("a running service: Restart and Stop go through the daemon module's runner", async (t) => {
  const { shell, runnerCalls } = await setup(t, { service: "running" });
  const running = await shell.menu((m) => m.service.running, "service running");
  assert.equal(item(running, "service.start")?.enabled, false);
  assert.equal(item(running, "service.stop")?.enabled, true);
  assert.equal(item(running, "service.restart")?.enabled, true);
  let mark = shell.mark();
  shell.send({ type: "click", itemId: "service.restart" });
  await shell.menu((m) => m.notice === "Gateway service restarted", "restart reported", mark);
  mark = shell.mark();
  shell.send({ type: "click", itemId: "service.stop" });
  const stopped = await shell.menu((m) => m.notice === "Gateway service stopped" && !m.service.running, "stop reported", mark);
  assert.equal(item(stopped, "service.start")?.enabled, true);
  const acted = (await runnerCalls()).filter((c) => c[2] !== "status");
  assert.deepEqual(acted, [
    ["systemctl", "--user", "restart", UNIT],
    ["systemctl", "--user", "stop", UNIT],
  ]);
});

test("no service installed: Install writes the user unit and enables it through the runner", async (t) => {
  const { shell, unitFile, runnerCalls } = await setup(t, { service: "missing" });
  const menu = await shell.menu((m) => m.service.supervisor === "systemd" && !m.service.installed, "service not installed");
  assert.equal(item(menu, "service.install")?.enabled, true);
  assert.equal(item(menu, "service.start"), undefined, "nothing to start before it is installed");
  const mark = shell.mark();
  shell.send({ type: "click", itemId: "service.install" });
  const after = await shell.menu((m) => m.notice !== undefined, "install reported", mark);
  assert.equal(after.notice, "Gateway service installed; it starts at login");
  const unit = await readFile(unitFile, "utf8");
  assert.match(unit, /^ExecStart=".*node" ".*run\.js" "gateway"$/m);
  const acted = (await runnerCalls()).filter((c) => c[2] !== "status").map((c) => c.join(" "));
  assert.ok(acted.includes("systemctl --user daemon-reload"), acted.join("; "));
  assert.ok(acted.some((c) => c.startsWith("systemctl --user enable")), acted.join("; "));
  await shell.menu((m) => m.service.installed, "the menu shows it installed");
});

test("a URL that answers but is no gateway: the menu says unreachable, with the reason", async (t) => {
  // An HTTP server on loopback that refuses WebSocket upgrades: something listens, but not a gateway.
  const server = createHttpServer((_req, res) => res.writeHead(404).end());
  server.on("upgrade", (_req, socket) => socket.end("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-companion-"));
  const files = { RUNNER_LOG: join(dir, "runner.log"), SERVICE_STATE: join(dir, "service.json"), PERMISSIONS: join(dir, "permissions.json") };
  await writeFile(files.RUNNER_LOG, "");
  await writeFile(files.SERVICE_STATE, JSON.stringify({ running: false }));
  await writeFile(files.PERMISSIONS, "{}");
  const shell = TestShell.start(t, ["--import", "tsx", CHILD, url], cliEnv(join(dir, "state"), { HOME: join(dir, "home"), ...files }), ROOT);
  t.after(() => rm(dir, { recursive: true, force: true }));
  shell.send({ type: "hello", shellVersion: "test-shell 1.0" });
  const menu = await shell.menu((m) => m.gateway.state === "unreachable" && m.gateway.detail !== "connecting…", "unreachable with a reason");
  assert.equal(item(menu, "gateway.status")?.title, "Gateway unreachable");
  assert.match(menu.gateway.detail ?? "", /500|Unexpected server response|unreachable/i);
  assert.equal(item(menu, "open.control")?.enabled, false);
});

test("two WhatsApp accounts: the menu has a line per account (channelAccounts); one logged out on the phone says needs re-link, notifies once, and its Link action opens the link page", async (t) => {
  const fake = new FakeWhatsApp();
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-companion-wa-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const work = { pn: "15550002222", lid: "88880002222", name: "Work" };
  await seedLinkedCreds(stateDir, fake, "home");
  await seedLinkedCreds(stateDir, fake, "work", work);
  const gw = await startGateway({
    file: { heartbeat: { enabled: false }, channels: { whatsapp: { dmPolicy: "open", defaultAccount: "home", accounts: { home: {}, work: {} } } } },
    stateDir,
    channelTransports: { whatsapp: fake.transport },
  });
  t.after(() => gw.stop());
  const { shell, runnerCalls } = await setup(t, { gateway: gw });
  const row = (m: MenuModel, account: string) => m.sections.find((x) => x.id === "channels")?.items.find((i) => i.id === `channel:whatsapp:${account}`);
  const up = await shell.menu((m) => m.channels.filter((c) => c.name === "whatsapp" && c.connected).length === 2, "both WhatsApp accounts connected");
  assert.deepEqual(up.channels.filter((c) => c.name === "whatsapp").map((c) => c.accountId).sort(), ["home", "work"]);
  assert.equal(row(up, "home")?.title, "WhatsApp (home): connected");
  assert.equal(row(up, "work")?.title, "WhatsApp (work): connected");

  const mark = shell.mark();
  fake.sockets.find((s) => s.creds.me?.id.startsWith(work.pn))!.close(401, "Connection Failure");
  const down = await shell.menu((m) => m.channels.some((c) => c.accountId === "work" && c.needsRelink), "work needs re-link", mark);
  assert.equal(row(down, "work")?.title, "WhatsApp (work): needs re-link");
  assert.match(row(down, "work")?.detail ?? "", /re-link needed/);
  assert.equal(row(down, "home")?.title, "WhatsApp (home): connected", "the other account is untouched");
  const notice = await shell.expect("notify", (n) => n.title === "WhatsApp (work) needs to be linked again", "re-link notification", mark);
  assert.deepEqual(notice.actions, [{ id: "link", title: "Link WhatsApp" }]);
  const clicked = shell.mark();
  shell.send({ type: "notification-action", id: notice.id, action: "link" });
  const opened = await shell.expect("open-url", () => true, "the link page opens", clicked);
  assert.equal(opened.url, `${gw.url.replace(/^ws/, "http")}/control/#/channels/whatsapp/link`);
  const polled = (await runnerCalls()).length;
  await eventually("two more polls", async () => (await runnerCalls()).length >= polled + 2, 30_000);
  assert.equal(shell.of("notify", mark).filter((n) => /WhatsApp/.test(n.title)).length, 1, "one notification for one logout");
});

/** Timers the test runs by hand: nothing scheduled runs until `fire`. */
class ManualTimers {
  /** The delay of every timer ever scheduled. */
  readonly delays: number[] = [];
  private readonly pending = new Set<() => void>();

  readonly schedule: Schedule = (fn, ms) => {
    this.delays.push(ms);
    this.pending.add(fn);
    return () => this.pending.delete(fn);
  };

  get waiting(): number {
    return this.pending.size;
  }

  /** Runs every timer scheduled so far, as if its time had come. */
  fire(): void {
    const due = [...this.pending];
    this.pending.clear();
    for (const fn of due) fn();
  }
}

test("menu debouncing: changes arriving before the window ends go out as one menu carrying the latest state", async (t) => {
  const gw = await startGateway({ file: { gateway: { trustedProxies: [PROXY_IP], authRateLimit: { maxFailures: 100_000 } } } });
  t.after(() => gw.stop());
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-companion-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const timers = new ManualTimers();
  const input = new PassThrough();
  const output = new PassThrough();
  const sent: CompanionMessage[] = [];
  createInterface({ input: output }).on("line", (l) => sent.push(JSON.parse(l) as CompanionMessage));
  const menus = () => sent.filter((m): m is Extract<CompanionMessage, { type: "menu" }> => m.type === "menu").map((m) => m.menu);
  const companion = new Companion({
    url: gw.url,
    token: undefined,
    password: undefined,
    tlsFingerprint: undefined,
    identity: new DeviceIdentityDir(join(dir, "companion"), "remove it"),
    service: { host: undefined, runner: { capture: () => Promise.reject(new Error("no service manager")), attach: () => Promise.resolve(0) } },
    permissions: fixedProbe(false, undefined),
    shell: new ShellLines(input, output),
    version: "test",
    platform: "linux",
    hostname: "test-host",
    log: () => undefined,
    pollMs: 3_600_000,
    debounceMs: 250,
    schedule: timers.schedule,
  });
  const running = companion.run();
  t.after(async () => {
    input.end();
    await running;
  });

  // First burst: the link connects, the gateway's facts and the service state arrive.
  await eventually("connected, with the gateway's facts", () => companion.menu().gateway.state === "running" && companion.menu().gateway.version !== undefined, 60_000);
  await eventually("the service state asked", () => companion.menu().service.state !== "checking…");
  assert.equal(menus().length, 0, "no menu before the window ends");
  assert.equal(timers.waiting, 1, "every change of the burst waits in one window");
  timers.fire();
  await eventually("the burst's menu", () => menus().length === 1);
  assert.equal(menus()[0]!.gateway.state, "running");
  assert.equal(menus()[0]!.service.state, "no service manager on this platform");

  // Second burst: three devices ask to pair, one after the other, inside one window.
  const requests: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await remoteConnect(gw.url, generateIdentity());
    requests.push((res.error?.details as { requestId: string }).requestId);
    await eventually(`request ${i + 1} in the model`, () => companion.menu().pending.length === i + 1);
  }
  await eventually("three notifications (they are not debounced)", () => sent.filter((m) => m.type === "notify").length === 3);
  assert.equal(menus().length, 1, "no menu before the window ends");
  assert.equal(timers.waiting, 1, "the three requests wait in one window");
  timers.fire();
  await eventually("the second burst's menu", () => menus().length === 2);
  assert.deepEqual(menus()[1]!.pending.map((p) => p.requestId).sort(), [...requests].sort());
  assert.ok(timers.delays.every((ms) => ms === 250), `every window is debounceMs long: ${timers.delays.join(", ")}`);
});
