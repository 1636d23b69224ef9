// models.list, agents.list and agent.identity.get describe the configured backend for pickers; a
// session's model and thinking level (sessions.patch) reach the model endpoint on its next turn.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Result } from "@clawdbot/protocol";
import { FakeOpenAI } from "../fakes/openai/server.js";
import { call } from "../channels/harness.js";
import { gatewayFor, openaiConfig, uiClient } from "../agent/wire.js";
import { refused, rows, turn } from "./support.js";

test("the echo backend: one model, its capabilities, the default identity", async (t) => {
  const gw = await gatewayFor(t);
  const c = await uiClient(t, gw);
  assert.deepEqual(await call(c, "models.list"), { models: [{ id: "echo", name: "Echo (built in)", provider: "echo", default: true }] });
  const agents = await call<Result<"agents.list">>(c, "agents.list");
  assert.deepEqual(agents, {
    defaultId: "main",
    mainKey: "main",
    scope: "per-sender",
    agents: [{ id: "main", name: "Clawdbot", identity: {}, backend: "echo", model: "echo", capabilities: { streaming: true, thinking: false, modelSelection: false, systemPrompt: false } }],
  });
  assert.deepEqual(await call(c, "agent.identity.get"), { agentId: "main", name: "Clawdbot" });
  await refused(c, "agent.identity.get", { agentId: "other" }, "NOT_FOUND", /this gateway runs one agent, "main"/);
});

test("an OpenAI-compatible backend offers its models; a session's model and thinking level go to the endpoint", async (t) => {
  const fake = await FakeOpenAI.start("sk-test");
  t.after(() => fake.stop());
  fake.behaviour = (ex) => ex.stream([`re:${ex.body.messages.at(-1)?.content ?? "?"}`]);
  const file = openaiConfig(fake.baseUrl, { identity: { name: "Molty", emoji: "🦞", avatar: "https://example.invalid/molty.png" } });
  file.agent!.openai!.models = ["big", "m"];
  const gw = await gatewayFor(t, { file, env: { MY_KEY: "sk-test" } });
  const c = await uiClient(t, gw);

  const { models } = await call<Result<"models.list">>(c, "models.list");
  assert.deepEqual(models.map((m) => [m.id, m.provider, m.default ?? false]), [["m", "openai", true], ["big", "openai", false]]);
  const agent = (await call<Result<"agents.list">>(c, "agents.list")).agents[0]!;
  assert.deepEqual([agent.name, agent.backend, agent.model, agent.capabilities.modelSelection, agent.capabilities.thinking], ["Molty", "openai", "m", true, true]);
  assert.deepEqual(await call(c, "agent.identity.get", { sessionKey: "main" }), { agentId: "main", name: "Molty", emoji: "🦞", avatar: "https://example.invalid/molty.png" });

  await turn(c, "s", "first");
  assert.deepEqual([fake.exchanges[0]!.body.model, fake.exchanges[0]!.body.reasoning_effort], ["m", undefined]);
  await call(c, "sessions.patch", { key: "s", model: "big", thinkingLevel: "high" });
  await turn(c, "s", "second");
  assert.deepEqual([fake.exchanges[1]!.body.model, fake.exchanges[1]!.body.reasoning_effort], ["big", "high"]);
  assert.deepEqual([(await rows(c)).get("s")!.model, (await rows(c)).get("s")!.modelProvider], ["big", "openai"]);
  // Other sessions keep the default; "off" sends no reasoning effort.
  await turn(c, "other", "third");
  assert.equal(fake.exchanges[2]!.body.model, "m");
  await call(c, "sessions.patch", { key: "s", thinkingLevel: "off" });
  await turn(c, "s", "fourth");
  assert.deepEqual([fake.exchanges[3]!.body.model, fake.exchanges[3]!.body.reasoning_effort], ["big", undefined]);
  await refused(c, "sessions.patch", { key: "s", model: "gpt-9" }, "INVALID_REQUEST", /models\.list: m, big/);
});
