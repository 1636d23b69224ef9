import { test } from "node:test";
import assert from "node:assert/strict";
import type { Static } from "@sinclair/typebox";
import { METHODS, type Params, type Result } from "@clawdbot/protocol";
import type { GatewayClient } from "@clawdbot/protocol/client";

// Compile-time equality: fails `tsc -p test` (run by `make test`) when the types drift apart.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_proof?: T): void {}

test("Params/Result are exactly the schemas' static types", () => {
  assertType<Equals<Params<"set-heartbeats">, Static<(typeof METHODS)["set-heartbeats"]["params"]>>>();
  assertType<Equals<Result<"status">, Static<(typeof METHODS)["status"]["result"]>>>();
  assertType<Equals<Params<"device.pair.approve">, { requestId: string }>>();
  assertType<Equals<Result<"set-heartbeats">, { ok: true; enabled: boolean }>>();
  // GatewayClient.call is typed by the method name.
  type CallReturn = ReturnType<GatewayClient["call"]>;
  assertType<Equals<CallReturn extends Promise<unknown> ? true : false, true>>();
  assert.ok(true);
});
