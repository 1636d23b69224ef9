import { test } from "node:test";
import assert from "node:assert/strict";
import { check, HelloOkSchema } from "@clawdbot/protocol";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";

test("a signed local client gets hello-ok and a device token, then health answers", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const { client, res } = await connectRaw(gw.url);
  assert.equal(res.ok, true, JSON.stringify(res));
  const hello = check(HelloOkSchema, res.payload);
  assert.ok(hello.ok, JSON.stringify(hello));
  assert.equal(hello.ok && typeof hello.value.auth?.deviceToken, "string");
  const h = await client.request("health");
  assert.equal(h.ok, true);
  assert.equal((h.payload as { ok: boolean }).ok, true);
  client.close();
});
