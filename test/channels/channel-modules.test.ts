// Channels as modules: one list feeds the config schema, resolution (accounts, defaults, env
// fallbacks), channels.status (reference shape, per account, drop reasons, probes), logout per
// account, secret redaction in every output, and SIGHUP starting a newly configured channel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { METHODS, check, formatIssues } from "@clawdbot/protocol";
import { ConfigFileSchema, resolveConfig, type ConfigFile } from "@clawdbot/sidecar";
import { FakeTelegram } from "../fakes/telegram/server.js";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { defer } from "./cleanup.js";
import { runCli, spawnGateway } from "./cli.js";
import { call, eventually, fakeFor, replyIn, startTelegramGateway, tempStateDir } from "./harness.js";

interface Snapshot {
  accountId: string;
  name?: string;
  enabled: boolean;
  configured: boolean;
  running: boolean;
  connected: boolean;
  lastConnectedAt: number | null;
  lastError: string | null;
  lastInboundAt: number | null;
  lastOutboundAt: number | null;
  probe?: { ok: boolean; error?: string; timedOut?: boolean; bot?: { username: string } };
  queued: number;
  dropped: Record<string, number>;
}
interface Status {
  ts: number;
  channelOrder: string[];
  channelLabels: Record<string, string>;
  channels: Record<string, { connected: boolean; lastError: string | null }>;
  channelAccounts: Record<string, Snapshot[]>;
  channelDefaultAccountId: Record<string, string>;
}

const paths = { stateDir: "/nonexistent", configPath: "/nonexistent/clawdbot.json" };

test("the config schema has a section per channel module, with accounts whose ids are checked", () => {
  const channels = (ConfigFileSchema.properties.channels as unknown as { properties: Record<string, unknown> }).properties;
  assert.ok("telegram" in channels);
  const ok = check(ConfigFileSchema, { channels: { telegram: { dmPolicy: "open", accounts: { work: { botToken: "1:a" }, home: { botToken: "2:b" } }, defaultAccount: "home" } } });
  assert.ok(ok.ok, ok.ok ? "" : formatIssues(ok.issues));
  const bad = check(ConfigFileSchema, { channels: { telegram: { accounts: { "Bad Id": { botToken: "1:a" } } } } });
  assert.equal(bad.ok, false);
  const unknown = check(ConfigFileSchema, { channels: { telegram: { botToken: "1:a", nope: 1 } } });
  assert.equal(unknown.ok, false);
});

test("accounts inherit the top-level keys; the default account is named, else 'default', else the first; env fills only the default", () => {
  const file: ConfigFile = { channels: { telegram: { dmPolicy: "open", owners: ["9"], accounts: { work: { botToken: "1:a" }, home: { dmPolicy: "allowlist" } }, defaultAccount: "home" } } };
  const cfg = resolveConfig(file, paths, { TELEGRAM_BOT_TOKEN: "env:token" });
  const tg = cfg.channels.telegram!;
  assert.equal(tg.defaultAccountId, "home");
  assert.deepEqual(Object.keys(tg.accounts).sort(), ["home", "work"]);
  assert.equal(tg.accounts["work"]!.dmPolicy, "open");
  assert.deepEqual(tg.accounts["work"]!.owners, ["9"]);
  assert.equal(tg.accounts["home"]!.dmPolicy, "allowlist");
  assert.equal((tg.accounts["home"] as unknown as { botToken: string }).botToken, "env:token");
  assert.throws(
    () => resolveConfig({ channels: { telegram: { accounts: { work: {}, home: { botToken: "2:b" } }, defaultAccount: "home" } } }, paths, { TELEGRAM_BOT_TOKEN: "env:token" }),
    /channels\.telegram\.accounts\.work: set channels\.telegram\.accounts\.work\.botToken$/,
  );
  const single = resolveConfig({ channels: { telegram: { botToken: "1:a" } } }, paths, {});
  assert.deepEqual(Object.keys(single.channels.telegram!.accounts), ["default"]);
  assert.deepEqual(resolveConfig({ channels: { telegram: { enabled: false } } }, paths, {}).channels, {});
});

test("channels.status has the reference shape, validates against its schema, and accepts probe + timeoutMs", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "open" });
  fake.pushMessage({ from: 31, text: "hi" });
  await replyIn(fake, 31, "echo: hi");
  await eventually("lastOutboundAt", async () => (await call<Status>(admin, "channels.status")).channelAccounts["telegram"]![0]!.lastOutboundAt !== null);
  const st = await call<Status>(admin, "channels.status", { probe: true, timeoutMs: 5000 });
  assert.deepEqual(st.channelOrder, ["telegram"]);
  assert.equal(st.channelLabels["telegram"], "Telegram");
  assert.equal(st.channelDefaultAccountId["telegram"], "default");
  const [a] = st.channelAccounts["telegram"]!;
  assert.ok(a);
  assert.equal(a.accountId, "default");
  assert.equal(a.name, fake.bot.username);
  assert.equal(a.enabled, true);
  assert.equal(a.configured, true);
  assert.equal(a.running, true);
  assert.equal(a.connected, true);
  assert.equal(typeof a.lastInboundAt, "number");
  assert.equal(typeof a.lastOutboundAt, "number");
  assert.equal(a.queued, 0);
  assert.deepEqual(a.probe?.ok, true);
  assert.equal(a.probe?.bot?.username, fake.bot.username);
  assert.equal(st.channels["telegram"]!.connected, true);
});

test("channels.status probe: a provider that does not answer is reported as timed out within timeoutMs", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "open" });
  fake.fail("getMe", { kind: "hang" }, { times: Infinity });
  const st = await call<Status>(admin, "channels.status", { probe: true, timeoutMs: 300 });
  const probe = st.channelAccounts["telegram"]![0]!.probe;
  assert.equal(probe?.ok, false);
  assert.match(String(probe?.error), /timed out after 300 ms|aborted|timeout/i);
  const bad = await admin.request("channels.status", { timeoutMs: -1 });
  assert.equal(bad.ok, false);
});

test("drop reasons are counted per account: a stranger in allowlist mode, a group message without a mention", async (t) => {
  const fake = await fakeFor(t);
  const { admin } = await startTelegramGateway(t, fake, { dmPolicy: "allowlist", allowFrom: ["40"], groups: { requireMention: true } });
  fake.pushMessage({ from: 41, text: "let me in" });
  fake.pushMessage({ from: 40, group: { id: -500 }, text: "chatter" });
  fake.pushMessage({ from: 40, text: "allowed" });
  await replyIn(fake, 40, "echo: allowed");
  await eventually("drops counted", async () => {
    const d = (await call<Status>(admin, "channels.status")).channelAccounts["telegram"]![0]!.dropped;
    return d["not_allowed"] === 1 && d["no_mention"] === 1;
  });
});

test("two Telegram accounts: each answers on its own bot, status lists both, logout of one leaves the other running", async (t) => {
  const a = await fakeFor(t);
  const b = await FakeTelegram.start({ token: "456:def", bot: { id: 7_000_002, username: "second_bot", first_name: "Two" } });
  defer(t, () => b.stop());
  const file: ConfigFile = {
    heartbeat: { enabled: false },
    channels: {
      telegram: {
        dmPolicy: "open",
        pollTimeoutSec: 1,
        defaultAccount: "one",
        accounts: { one: { botToken: a.token, apiRoot: a.apiRoot }, two: { botToken: b.token, apiRoot: b.apiRoot } },
      },
    },
  };
  const gw = await startGateway({ file });
  defer(t, () => (a.dropHung(), b.dropHung(), gw.stop()));
  const { client: admin } = await connectRaw(gw.url, { mode: "ui" });
  defer(t, () => admin.close());
  a.pushMessage({ from: 51, text: "to one" });
  b.pushMessage({ from: 52, text: "to two" });
  await replyIn(a, 51, "echo: to one");
  await replyIn(b, 52, "echo: to two");
  assert.equal(b.callsOf("sendMessage").filter((c) => String(c.params["chat_id"]) === "51").length, 0);
  const st = await call<Status>(admin, "channels.status");
  assert.deepEqual(st.channelAccounts["telegram"]!.map((x) => x.accountId).sort(), ["one", "two"]);
  assert.equal(st.channelDefaultAccountId["telegram"], "one");
  await call(admin, "send", { to: "telegram:52", message: "via two", accountId: "two", idempotencyKey: "acc-two" });
  await replyIn(b, 52, "via two");
  await call(admin, "channels.logout", { channel: "telegram", accountId: "two" });
  const after = await call<Status>(admin, "channels.status");
  const two = after.channelAccounts["telegram"]!.find((x) => x.accountId === "two")!;
  const one = after.channelAccounts["telegram"]!.find((x) => x.accountId === "one")!;
  assert.equal(two.configured, false);
  assert.equal(two.running, false);
  assert.equal(one.running, true);
  a.pushMessage({ from: 51, text: "still here" });
  await replyIn(a, 51, "echo: still here");
});

test("a bot token never appears in channels.status, config.get, logs.tail, the log or the CLI, even in network errors that quote the URL", async (t) => {
  const secret = "987654:SECRET-token-value";
  const stateDir = await tempStateDir(t);
  // Nothing listens on port 9: grammY's network error names the request URL, token included.
  const file: ConfigFile = { heartbeat: { enabled: false }, channels: { telegram: { botToken: secret, apiRoot: "http://127.0.0.1:9", pollTimeoutSec: 1 } } };
  const gw = await startGateway({ file, stateDir });
  defer(t, () => gw.stop());
  const { client: admin } = await connectRaw(gw.url, { mode: "ui" });
  defer(t, () => admin.close());
  await eventually("a start failure in status", async () => (await call<Status>(admin, "channels.status")).channels["telegram"]!.lastError !== null);
  const outputs: Record<string, string> = {
    status: JSON.stringify(await call(admin, "channels.status", { probe: true, timeoutMs: 2000 })),
    config: JSON.stringify(await call(admin, "config.get")),
    logsTail: JSON.stringify(await call(admin, "logs.tail", { limit: 500 })),
    log: JSON.stringify(gw.logs.tail(undefined, 5000, 50_000_000)),
  };
  const cliText = await runCli(["channels", "status", "--probe", "--url", gw.url], stateDir);
  const cliJson = await runCli(["channels", "status", "--json", "--url", gw.url], stateDir);
  outputs["cli"] = cliText.stdout + cliText.stderr;
  outputs["cliJson"] = cliJson.stdout + cliJson.stderr;
  assert.match(outputs["status"]!, /\[redacted\]/, "the status error quotes the URL, masked");
  for (const [where, text] of Object.entries(outputs)) {
    assert.ok(!text.includes(secret), `${where} shows the bot token:\n${text.slice(0, 2000)}`);
    assert.ok(!text.includes("SECRET-token"), `${where} shows part of the bot token`);
  }
  assert.match(outputs["config"]!, /"botToken":"\[redacted\]"/);
});

test("adding a channel to the config and sending SIGHUP starts it; status never says 'not configured' for it", async (t) => {
  const fake = await fakeFor(t);
  const stateDir = await tempStateDir(t);
  const configPath = join(stateDir, "clawdbot.json");
  await writeFile(configPath, JSON.stringify({ heartbeat: { enabled: false } }));
  const gw = await spawnGateway(t, stateDir, configPath);
  const before = await runCli(["channels", "status", "--url", gw.url], stateDir);
  assert.match(before.stdout, /no channels configured/);
  await writeFile(configPath, JSON.stringify({ heartbeat: { enabled: false }, channels: { telegram: { botToken: fake.token, apiRoot: fake.apiRoot, dmPolicy: "open", pollTimeoutSec: 1 } } }));
  gw.child.kill("SIGHUP");
  await fake.waitForCall((c) => c.method === "getUpdates", 20_000, "the new channel polling");
  fake.pushMessage({ from: 61, text: "after reload" });
  await replyIn(fake, 61, "echo: after reload", 20_000);
  const after = await runCli(["channels", "status", "--url", gw.url], stateDir);
  assert.equal(after.code, 0, after.stderr);
  assert.match(after.stdout, /^Telegram \(clawd_test_bot\): connected/m);
  assert.doesNotMatch(after.stdout, /not configured/);
  const statusJson = JSON.parse((await runCli(["channels", "status", "--json", "--url", gw.url], stateDir)).stdout) as unknown;
  const r = check(METHODS["channels.status"].result, statusJson);
  assert.ok(r.ok);
});
