// Slack in HTTP mode: Slack posts signed Events API requests to /slack/events on the gateway's own
// port. A good signature is answered at once and the message reaches the agent; a bad, stale or
// missing signature is refused with 401 and nothing reaches the agent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { history } from "./harness.js";
import { slackAccount, slackFakeFor, slackReply, startSlackGateway } from "./slack-harness.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

test("HTTP mode: url_verification and a signed event are answered; bad, stale and missing signatures get 401 and reach nobody", async (t) => {
  const fake = await slackFakeFor(t);
  const { gw, admin } = await startSlackGateway(t, fake, { mode: "http", signingSecret: SECRET, dmPolicy: "open" });
  const url = `http://127.0.0.1:${gw.port}/slack/events`;
  assert.equal(fake.callsOf("apps.connections.open").length, 0, "no socket in HTTP mode");
  assert.equal((await slackAccount(admin)).connected, true);

  const challenge = await fake.postEvents(url, { token: "x", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" }, { signingSecret: SECRET });
  assert.equal(challenge.status, 200);
  assert.match(challenge.body, /3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P/);

  const ada = fake.world.addPerson("ada");
  const dm = fake.world.dmWith(ada.id);
  const forged = fake.world.userMessage({ user: ada.id, channel: dm.id, text: "forged" });
  const bad = await fake.postEvents(url, fake.eventPayload(forged.event), { signingSecret: "not-the-secret" });
  assert.equal(bad.status, 401);
  const old = fake.world.userMessage({ user: ada.id, channel: dm.id, text: "replayed" });
  const stale = await fake.postEvents(url, fake.eventPayload(old.event), { signingSecret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 10 * 60 });
  assert.equal(stale.status, 401);
  const unsigned = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fake.eventPayload(old.event)) });
  assert.equal(unsigned.status, 401);

  const real = fake.world.userMessage({ user: ada.id, channel: dm.id, text: "signed and sound" });
  const ok = await fake.postEvents(url, fake.eventPayload(real.event), { signingSecret: SECRET });
  assert.equal(ok.status, 200);
  await slackReply(fake, dm.id, "echo: signed and sound");
  assert.deepEqual(fake.delivered(dm.id), ["echo: signed and sound"]);
  assert.deepEqual(await history(admin, `agent:main:slack:dm:${ada.id}`), ["user: signed and sound", "assistant: echo: signed and sound"]);

  const get = await fetch(url);
  assert.equal(get.status, 405);
});
