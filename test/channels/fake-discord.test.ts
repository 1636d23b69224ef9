// The fake Discord itself, driven by discord.js's own Client and REST: the Discord channel's tests
// are only as good as the fake is faithful, so its gateway and REST behaviours are pinned here.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Client, DiscordAPIError, Events, GatewayIntentBits, Partials, RateLimitError, REST, Routes, type Message } from "discord.js";
import { stoppableShards } from "../../sidecar/src/channels/discord/shards.js";
import { FakeDiscord } from "../fakes/discord/server.js";
import { eventually, rejection } from "../support/wait.js";
import { defer } from "./cleanup.js";

/** A fake whose heartbeat interval is short enough for tests, long enough that a busy machine is not taken for a zombie. */
async function fakeFor(t: TestContext, heartbeatMs = 5000): Promise<FakeDiscord> {
  const fake = await FakeDiscord.start();
  fake.gateway.heartbeatIntervalMs = heartbeatMs;
  defer(t, () => fake.stop());
  return fake;
}

function clientFor(t: TestContext, fake: FakeDiscord): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
    partials: [Partials.Channel],
    rest: { api: fake.apiBase, rejectOnRateLimit: () => true },
    // The channel's shards: a plain destroy() during a reconnect can hang and leave a socket open.
    ws: { buildStrategy: stoppableShards },
  });
  defer(t, () => client.destroy());
  return client;
}

/** A fake with a guild "home" (alice in it), its text channel "general" and a thread "topic" under it. */
async function homeGuild(t: TestContext) {
  const fake = await fakeFor(t);
  const alice = fake.world.user("alice");
  const guild = fake.world.guild("home", [alice]);
  const general = fake.world.textChannel(guild, "general");
  const topic = fake.world.thread(general, "topic", alice);
  return { fake, alice, guild, general, topic };
}

async function ready(client: Client, fake: FakeDiscord): Promise<void> {
  await client.login(fake.token);
  if (!client.isReady()) await once(client, Events.ClientReady);
}

test("GET /gateway/bot points at the fake's gateway; a wrong token is 401 and login fails with TokenInvalid", async (t) => {
  const fake = await fakeFor(t);
  const rest = new REST({ api: fake.apiBase }).setToken(fake.token);
  const info = (await rest.get(Routes.gatewayBot())) as { url: string; session_start_limit: { max_concurrency: number } };
  assert.equal(info.url, `ws://127.0.0.1:${fake.port}/gateway`);
  assert.equal(info.session_start_limit.max_concurrency, 1);
  const wrong = await rejection(new REST({ api: fake.apiBase }).setToken("nope").get(Routes.gatewayBot()));
  assert.ok(wrong instanceof DiscordAPIError);
  assert.equal(wrong.status, 401);

  const client = new Client({ intents: [], rest: { api: fake.apiBase }, ws: { buildStrategy: stoppableShards } });
  defer(t, () => client.destroy());
  const err = await rejection(client.login("nope"));
  assert.equal((err as { code?: string }).code, "TokenInvalid");
  assert.equal(fake.gateway.opened, 0);
});

test("login: HELLO, IDENTIFY with the intents asked for, READY, then GUILD_CREATE fills the guild's channels and threads", async (t) => {
  const { fake, guild, general, topic } = await homeGuild(t);
  const client = clientFor(t, fake);
  await ready(client, fake);
  const [identify] = fake.gateway.received("Identify");
  assert.equal(identify?.params["intents"], GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.DirectMessages | GatewayIntentBits.MessageContent);
  assert.equal(client.user?.id, fake.world.bot.id);
  assert.equal(client.guilds.cache.get(guild.id)?.name, "home");
  const thread = client.channels.cache.get(topic.id);
  assert.ok(thread?.isThread());
  assert.equal(thread.parentId, general.id);
  await eventually("a heartbeat acknowledged", () => fake.gateway.frames.of("out:HeartbeatAck").length > 0);
});

test("MESSAGE_CREATE reaches discord.js for a DM, a guild channel and a thread, with mentions resolved as Discord does", async (t) => {
  const { fake, alice, general, topic } = await homeGuild(t);
  const client = clientFor(t, fake);
  const got: Message[] = [];
  client.on(Events.MessageCreate, (m) => got.push(m));
  await ready(client, fake);
  fake.say({ author: alice.id, channel: fake.world.dm(alice).id, content: "in a dm" });
  const mention = fake.say({ author: alice.id, channel: general.id, content: "hey", mention: "nickname" });
  fake.say({ author: alice.id, channel: topic.id, content: "reply", replyTo: mention.id });
  await eventually("three messages", () => got.length === 3);
  assert.deepEqual(got.map((m) => [m.channel.type, m.content]), [
    [1, "in a dm"],
    [0, `<@!${fake.world.bot.id}> hey`],
    [11, "reply"],
  ]);
  assert.equal(got[1]!.mentions.users.has(fake.world.bot.id), true);
  assert.equal(got[0]!.mentions.users.size, 0);
});

test("withheld heartbeat ACKs: discord.js drops the zombie, resumes on the resume URL and gets the missed events replayed", async (t) => {
  const fake = await fakeFor(t, 300);
  const alice = fake.world.user("alice");
  const client = clientFor(t, fake);
  const got: string[] = [];
  client.on(Events.MessageCreate, (m) => got.push(m.content));
  await ready(client, fake);
  const dm = fake.world.dm(alice);
  fake.gateway.withholdAcks = true;
  fake.gateway.loseDispatches = true;
  fake.say({ author: alice.id, channel: dm.id, content: "before" });
  await eventually("a resume", () => fake.gateway.received("Resume").length >= 1);
  fake.gateway.withholdAcks = false;
  fake.gateway.loseDispatches = false;
  await eventually("RESUMED sent", () => fake.gateway.frames.of("out:RESUMED").length >= 1);
  fake.say({ author: alice.id, channel: dm.id, content: "after" });
  await eventually("both messages", () => got.length === 2);
  assert.deepEqual(got, ["before", "after"]);
  assert.equal(fake.gateway.received("Identify").length, 1);
  assert.equal(fake.gateway.peak, 1);
});

test("INVALID_SESSION (not resumable) makes discord.js identify afresh", async (t) => {
  const fake = await fakeFor(t);
  const client = clientFor(t, fake);
  await ready(client, fake);
  const seen: string[] = [];
  client.on(Events.ShardReconnecting, () => seen.push("reconnecting"));
  client.on(Events.ShardReady, () => seen.push("ready"));
  fake.gateway.invalidateSession(false);
  // discord.js waits out its identify throttle (5 s after the last IDENTIFY, plus up to 1.5 s) first;
  // the wait ends on the client's own event, so the test never ends with the shard mid-handshake.
  await eventually("the shard ready again", () => seen.includes("ready"), 60_000);
  assert.deepEqual(seen, ["reconnecting", "ready"]);
  assert.equal(fake.gateway.received("Identify").length, 2);
  assert.equal(fake.gateway.frames.of("out:READY").length, 2);
  assert.equal(fake.gateway.received("Resume").length, 0);
  assert.equal(fake.gateway.peak, 1);
});

test("close 4014 when the portal has not enabled the Message Content intent; 4004 when the gateway refuses the token", async (t) => {
  const fake = await fakeFor(t);
  fake.gateway.portal.messageContent = false;
  const client = clientFor(t, fake);
  const err = await rejection(ready(client, fake));
  assert.match(String((err as Error).message), /disallowed intents/i);
  await eventually("socket closed", () => fake.gateway.liveCount === 0);
  assert.equal(fake.gateway.opened, 1, "no retry after 4014");

  fake.gateway.portal.messageContent = true;
  fake.gateway.refuseToken = true;
  const second = clientFor(t, fake);
  const denied = await rejection(ready(second, fake));
  assert.match(String((denied as Error).message), /authentication failed/i);
  await eventually("socket closed", () => fake.gateway.liveCount === 0);
  assert.equal(fake.gateway.opened, 2, "no retry after 4004");
});

test("REST: messages with a reply reference and attachments, typing, reactions; 429 per route and global carry retry_after", async (t) => {
  const fake = await fakeFor(t);
  const alice = fake.world.user("alice");
  const guild = fake.world.guild("home", [alice]);
  const general = fake.world.textChannel(guild, "general");
  const client = clientFor(t, fake);
  await ready(client, fake);
  const asked = fake.say({ author: alice.id, channel: general.id, content: "question" });
  const sent = (await client.rest.post(Routes.channelMessages(general.id), {
    body: { content: "answer", message_reference: { message_id: asked.id, fail_if_not_exists: false } },
    files: [{ name: "notes.txt", data: Buffer.from("some notes") }],
  })) as { id: string; attachments: { filename: string }[] };
  assert.equal(fake.world.messages.get(sent.id)?.referenced_message?.id, asked.id);
  assert.deepEqual(sent.attachments.map((a) => a.filename), ["notes.txt"]);
  assert.equal(fake.world.uploads.get(sent.id)?.[0]?.bytes.toString(), "some notes");
  await client.rest.post(Routes.channelTyping(general.id));
  await client.rest.put(Routes.channelMessageOwnReaction(general.id, asked.id, encodeURIComponent("👀")));
  assert.equal(fake.world.messages.get(asked.id)?.reactions?.[0]?.emoji.name, "👀");

  const long = await rejection(client.rest.post(Routes.channelMessages(general.id), { body: { content: "x".repeat(2001) } }));
  assert.ok(long instanceof DiscordAPIError);
  assert.equal(long.code, 50035);

  fake.fail("POST /channels/:id/messages", { kind: "ratelimited", retryAfter: 4.5 });
  const route = await rejection(client.rest.post(Routes.channelMessages(general.id), { body: { content: "fast" } }));
  assert.ok(route instanceof RateLimitError);
  assert.equal(route.global, false);
  assert.ok(route.retryAfter >= 4500, String(route.retryAfter));

  fake.fail("POST /channels/:id/typing", { kind: "ratelimited", retryAfter: 6, global: true });
  const global = await rejection(client.rest.post(Routes.channelTyping(general.id)));
  assert.ok(global instanceof RateLimitError);
  assert.equal(global.global, true);
  const other = await rejection(client.rest.put(Routes.channelMessageOwnReaction(general.id, asked.id, encodeURIComponent("👍"))));
  assert.ok(other instanceof RateLimitError && other.global, "a global limit holds every route back");
});
