// Several Slack apps and several Discord bots on one gateway (`channels.<id>.accounts`): each
// account runs on its own fake workspace, answers there only, appears in channels.status, is
// chosen by `send --account`, and a logout of one leaves the other running.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { ConfigFile } from "@clawdbot/sidecar";
import { FakeDiscord } from "../fakes/discord/server.js";
import { FakeSlack } from "../fakes/slack/server.js";
import { defer } from "./cleanup.js";
import { call, eventually, startChannelGateway, type AccountSnapshot } from "./harness.js";
import { discordFakeFor, discordReply } from "./discord-harness.js";
import { slackFakeFor, slackReply } from "./slack-harness.js";

type Status = { channelAccounts: Record<string, AccountSnapshot[]>; channelDefaultAccountId: Record<string, string> };

async function accounts(admin: Parameters<typeof call>[0], channel: string): Promise<Record<string, AccountSnapshot>> {
  const st = await call<Status>(admin, "channels.status");
  return Object.fromEntries((st.channelAccounts[channel] ?? []).map((a) => [a.accountId, a]));
}

const SECRET = "second-app-signing-secret";

test("two Slack apps: one in Socket Mode, one in HTTP mode at /slack/events/<account>; each answers on its own app; logout of one leaves the other", async (t) => {
  const one = await slackFakeFor(t);
  const two = await FakeSlack.start({ botToken: "xoxb-2-second-bot", appToken: "xapp-2-A0SECOND-second-app" });
  defer(t, () => two.stop());
  const file: ConfigFile = {
    heartbeat: { enabled: false },
    channels: {
      slack: {
        dmPolicy: "open",
        defaultAccount: "one",
        accounts: {
          one: { botToken: one.botToken, appToken: one.appToken, apiUrl: one.apiUrl },
          two: { mode: "http", botToken: two.botToken, signingSecret: SECRET, apiUrl: two.apiUrl },
        },
      },
    },
  };
  const { gw, admin } = await startChannelGateway(t, { file }, () => (one.dropHung(), two.dropHung()));
  await eventually("both slack accounts connected", async () => Object.values(await accounts(admin, "slack")).filter((a) => a.connected).length === 2, 30_000);
  const st = await call<Status>(admin, "channels.status");
  assert.equal(st.channelDefaultAccountId["slack"], "one");

  const ada = one.world.addPerson("ada");
  one.say({ user: ada.id, channel: one.world.dmWith(ada.id).id, text: "to one" });
  await slackReply(one, one.world.dmWith(ada.id).id, "echo: to one");

  const bo = two.world.addPerson("bo");
  const boDm = two.world.dmWith(bo.id);
  const msg = two.world.userMessage({ user: bo.id, channel: boDm.id, text: "to two" });
  // The default account owns /slack/events; another account's Request URL carries its id.
  const wrongPath = await two.postEvents(`http://127.0.0.1:${gw.port}/slack/events`, two.eventPayload(msg.event), { signingSecret: SECRET });
  assert.equal(wrongPath.status, 404, "the default account is in Socket Mode: nothing is served at /slack/events");
  const delivered = await two.postEvents(`http://127.0.0.1:${gw.port}/slack/events/two`, two.eventPayload(msg.event), { signingSecret: SECRET });
  assert.equal(delivered.status, 200);
  await slackReply(two, boDm.id, "echo: to two");
  // The two workspaces number their conversations alike: what each app posted is told apart by fake.
  assert.deepEqual([one.delivered(), two.delivered()], [["echo: to one"], ["echo: to two"]], "each app answers its own workspace only");
  assert.equal(two.callsOf("apps.connections.open").length, 0, "the HTTP-mode app opens no socket");

  await call(admin, "send", { to: `slack:${boDm.id}`, message: "via two", accountId: "two", idempotencyKey: randomUUID() });
  await slackReply(two, boDm.id, "via two");

  await call(admin, "channels.logout", { channel: "slack", accountId: "one" });
  await eventually("app one's socket closed", () => one.socketMode.liveCount(one.world.app.id) === 0);
  const after = await accounts(admin, "slack");
  assert.deepEqual([after["one"]?.configured, after["one"]?.running], [false, false]);
  assert.equal(after["two"]?.running, true);
  const again = two.world.userMessage({ user: bo.id, channel: boDm.id, text: "still here" });
  assert.equal((await two.postEvents(`http://127.0.0.1:${gw.port}/slack/events/two`, two.eventPayload(again.event), { signingSecret: SECRET })).status, 200);
  await slackReply(two, boDm.id, "echo: still here");
});

test("two Discord bots: each answers on its own bot, send --account picks one, logout of one leaves the other connected", async (t) => {
  const one = await discordFakeFor(t);
  const two = await FakeDiscord.start({ token: "MTMwMDAwMDAwMDAwMDAwMDAwMg.fake.second-token" });
  defer(t, () => two.stop());
  const file: ConfigFile = {
    heartbeat: { enabled: false },
    channels: {
      discord: {
        dmPolicy: "open",
        accounts: { one: { token: one.token, apiBase: one.apiBase }, two: { token: two.token, apiBase: two.apiBase } },
      },
    },
  };
  const { admin } = await startChannelGateway(t, { file }, () => (one.dropHung(), two.dropHung()));
  await eventually("both discord accounts connected", async () => Object.values(await accounts(admin, "discord")).filter((a) => a.connected).length === 2, 30_000);

  const ada = one.world.user("ada");
  const adaDm = one.world.dm(ada);
  one.say({ author: ada.id, channel: adaDm.id, content: "to one" });
  await discordReply(one, adaDm.id, "echo: to one");
  const bo = two.world.user("bo");
  const boDm = two.world.dm(bo);
  two.say({ author: bo.id, channel: boDm.id, content: "to two" });
  await discordReply(two, boDm.id, "echo: to two");
  assert.deepEqual([one.delivered(), two.delivered()], [["echo: to one"], ["echo: to two"]], "each bot answers on its own Discord only");

  await call(admin, "send", { to: `discord:${boDm.id}`, message: "via two", accountId: "two", idempotencyKey: randomUUID() });
  await discordReply(two, boDm.id, "via two");

  await call(admin, "channels.logout", { channel: "discord", accountId: "two" });
  await eventually("bot two's gateway socket closed", () => two.gateway.liveCount === 0);
  const after = await accounts(admin, "discord");
  assert.deepEqual([after["two"]?.configured, after["two"]?.running], [false, false]);
  assert.equal(after["one"]?.connected, true);
  one.say({ author: ada.id, channel: adaDm.id, content: "still here" });
  await discordReply(one, adaDm.id, "echo: still here");
});
