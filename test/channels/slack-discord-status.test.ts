// Slack and Discord side by side, configured the way a user would: tokens from SLACK_BOT_TOKEN,
// SLACK_APP_TOKEN and DISCORD_BOT_TOKEN; both in `clawdbot channels status` (human and --json) with
// their drop reasons; tokens never shown by config.get; a bad config refused with the key to fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveConfig } from "@clawdbot/sidecar";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { defer } from "./cleanup.js";
import { runCli } from "./cli.js";
import { call, channelAccount, eventually } from "./harness.js";
import { discordFakeFor } from "./discord-harness.js";
import { slackFakeFor } from "./slack-harness.js";

test("tokens from the environment; both channels in channels status (human and --json) with drop reasons; config.get hides the tokens", async (t) => {
  const slack = await slackFakeFor(t);
  const discord = await discordFakeFor(t);
  const env = { SLACK_BOT_TOKEN: slack.botToken, SLACK_APP_TOKEN: slack.appToken, DISCORD_BOT_TOKEN: discord.token };
  const file = { heartbeat: { enabled: false }, channels: { slack: { apiUrl: slack.apiUrl }, discord: { apiBase: discord.apiBase } } };
  const gw = await startGateway({ file, env });
  defer(t, () => gw.stop());
  // Loading Bolt and discord.js on a loaded machine takes a while; the admin connects once both called out.
  await slack.waitForCall((c) => c.method === "auth.test", 60_000);
  await discord.waitForCall((c) => c.method === "GET /gateway/bot", 60_000);
  const { client: admin } = await connectRaw(gw.url, { mode: "ui" });
  defer(t, () => admin.close());
  await eventually("both connected", async () => (await channelAccount(admin, "slack")).connected && (await channelAccount(admin, "discord")).connected, 60_000);

  const eve = discord.world.user("eve");
  discord.say({ author: eve.id, channel: discord.world.dm(eve).id, content: "hi" });
  await eventually("pairing code sent", () => discord.delivered().length === 1);

  const json = await runCli(["channels", "status", "--json", "--url", gw.url], gw.stateDir);
  assert.equal(json.code, 0, json.stderr);
  const st = JSON.parse(json.stdout) as {
    channelOrder: string[];
    channelLabels: Record<string, string>;
    channels: Record<string, { connected: boolean; accountId?: string }>;
    channelAccounts: Record<string, { dropped: Record<string, number> }[]>;
  };
  assert.deepEqual(st.channelOrder, ["slack", "discord"]);
  assert.deepEqual([st.channelLabels["slack"], st.channelLabels["discord"]], ["Slack", "Discord"]);
  assert.deepEqual([st.channels["slack"]?.connected, st.channels["discord"]?.connected], [true, true]);
  for (const id of ["slack", "discord"]) {
    assert.deepEqual(Object.keys(st.channelAccounts[id]![0]!.dropped).sort(), ["bot", "broadcast", "duplicate", "group_not_allowed", "history", "no_mention", "not_allowed", "own_message"]);
  }
  // The pairing notice came back as the bot's own message.
  await eventually("own message counted", async () => (await channelAccount(admin, "discord")).dropped["own_message"] === 1);

  const human = await runCli(["channels", "status", "--url", gw.url], gw.stateDir);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^Slack \(.*\): connected/m);
  assert.match(human.stdout, /^Discord \(.*\): connected/m);

  const cfg = JSON.stringify(await call(admin, "config.get"));
  for (const secret of [slack.botToken, slack.appToken, discord.token]) assert.equal(cfg.includes(secret), false, "a token in config.get");
});

test("config: the keys each mode needs are required by name; a wrong kind of token is refused", () => {
  const paths = { stateDir: "/tmp/x", configPath: "/tmp/x/clawdbot.json" };
  const refused = (channels: object, env: Record<string, string> = {}) => {
    try {
      resolveConfig({ channels } as never, paths, env, {});
    } catch (err) {
      return (err as Error).message;
    }
    return assert.fail("accepted");
  };
  assert.match(refused({ slack: {} }), /channels\.slack\.botToken or SLACK_BOT_TOKEN/);
  assert.match(refused({ slack: { botToken: "xoxb-1" } }), /Socket Mode needs channels\.slack\.appToken or SLACK_APP_TOKEN/);
  assert.match(refused({ slack: { botToken: "xoxb-1", mode: "http" } }), /HTTP mode needs channels\.slack\.signingSecret/);
  assert.match(refused({ slack: { botToken: "xapp-1", appToken: "xapp-2" } }), /expected a bot token \(xoxb-…\)/);
  assert.match(refused({ slack: { botToken: "xoxb-1", appToken: "xoxb-2" } }), /expected an app-level token \(xapp-…\)/);
  assert.match(refused({ discord: {} }), /channels\.discord\.token or DISCORD_BOT_TOKEN/);
  const ok = resolveConfig({ channels: { slack: { mode: "http", botToken: "xoxb-1", signingSecret: "s", accounts: { second: { botToken: "xoxb-2" } } } } } as never, paths, {}, {});
  assert.ok(ok);
});
