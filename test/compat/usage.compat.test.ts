// usage.status / usage.cost {days}: token and cost accounting kept by the agent runner.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { check, METHODS } from "@clawdbot/protocol";
import { FakeOpenAI } from "../fakes/openai/server.js";
import { openaiConfig } from "../agent/wire.js";
import { startGateway } from "../support/gateway.js";
import { tempDir } from "../cli/run-cli.js";
import { agentFinal, compatGateway, operator } from "./support.js";

test("OpenAI-compatible usage (tokens, cached tokens, provider cost) is summed per backend/model/day and survives a restart", async (t) => {
  const fake = await FakeOpenAI.start();
  t.after(() => fake.stop());
  let n = 0;
  fake.behaviour = (ex) => {
    n++;
    // The second reply comes without a cost, as plain OpenAI sends it.
    ex.usage = { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 30 }, ...(n === 1 ? { cost: 0.0125 } : {}) };
    return ex.stream(["fine"]);
  };
  const stateDir = await tempDir(t);
  const { gw, op } = await compatGateway(t, { stateDir, file: openaiConfig(fake.baseUrl), env: { MY_KEY: "sk-test" } });
  assert.equal(fake.exchanges.length, 0);
  const res = await agentFinal(op, { message: "hi", idempotencyKey: randomUUID() });
  assert.deepEqual((res["result"] as { usage: unknown }).usage, { input: 70, output: 20, cacheRead: 30, cacheWrite: 0, cost: 0.0125 });
  await agentFinal(op, { message: "again", idempotencyKey: randomUUID() });
  assert.equal(fake.exchanges[0]!.body.stream_options?.include_usage, true, "usage is asked for");

  const cost = await op.client.call("usage.cost", { days: 7 });
  assert.equal(check(METHODS["usage.cost"].result, cost).ok, true);
  assert.equal(cost.days, 7);
  assert.equal(cost.daily.length, 7);
  const today = new Date().toISOString().slice(0, 10);
  assert.equal(cost.daily.at(-1)!.date, today);
  assert.deepEqual(cost.totals, { input: 140, output: 40, cacheRead: 60, cacheWrite: 0, totalTokens: 240, totalCost: 0.0125, missingCostEntries: 1 });
  assert.equal(cost.daily.at(-2)!.totalTokens, 0, "a day without runs is zeros");

  const status = await op.client.call("usage.status", {});
  assert.equal(status.providers[0]!.provider, "openai");
  assert.deepEqual(status.providers[0]!.models.map((m) => [m.model, m.runs, m.totals.totalTokens]), [["m", 2, 240]]);

  // Kept on disk: a new gateway on the same state dir reports the same totals.
  await gw.stop();
  const again = await startGateway({ stateDir, file: openaiConfig(fake.baseUrl), env: { MY_KEY: "sk-test" } });
  t.after(() => again.stop());
  const op2 = await operator(t, again.url);
  assert.deepEqual((await op2.client.call("usage.cost", {})).totals, cost.totals);
});

test("echo and command backends count runs with zero tokens and zero cost", async (t) => {
  const { op } = await compatGateway(t);
  await agentFinal(op, { message: "hi", idempotencyKey: randomUUID() });
  const cost = await op.client.call("usage.cost", {});
  assert.equal(cost.days, 30);
  assert.deepEqual(cost.totals, { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0, totalCost: 0, missingCostEntries: 0 });
  const status = await op.client.call("usage.status", {});
  assert.deepEqual(status.providers.map((p) => [p.provider, p.models[0]!.runs]), [["echo", 1]]);
  const bad = await op.client.call("usage.cost", { days: 0 }).catch((e: { code: string }) => e);
  assert.equal((bad as { code: string }).code, "INVALID_REQUEST");
});
