// The role × scope × method matrix, generated from METHODS: a connection holding exactly one
// operator scope (or role node) calls every declared method. A method is allowed exactly when the
// role may call it and, for operators, the scope is the method's scope or operator.admin. A refusal
// is FORBIDDEN and the connection stays open; an allowed call may fail in any other way (the
// params are deliberately minimal, `{}`: methods with required params stop at validation).
// Methods declared but not (yet) served by this gateway — absent from hello-ok.features.methods —
// answer "unknown method" to everyone; they are listed as diagnostics and join the matrix as soon
// as a handler serves them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { METHODS, METHOD_NAMES, OPERATOR_SCOPES, type MethodDecl, type Role } from "@clawdbot/protocol";
import { generateIdentity } from "@clawdbot/protocol/client";
import { assertHello, call, connectFor, pairingGateway } from "./connections.js";
import { isOpen } from "./refusals.js";
import { pairList } from "./approval.js";

interface Row {
  label: string;
  role: Role;
  /** The one operator scope held (undefined for role node). */
  scope: string | undefined;
}

const ROWS: Row[] = [
  ...OPERATOR_SCOPES.map((scope): Row => ({ label: `operator [${scope}]`, role: "operator", scope })),
  { label: "node", role: "node", scope: undefined },
];

function allowed(decl: MethodDecl, row: Row): boolean {
  return decl.roles.includes(row.role) && (row.role !== "operator" || row.scope === decl.scope || row.scope === "operator.admin");
}

test("the matrix covers every declared method and every operator scope, with both outcomes present", () => {
  assert.ok(METHOD_NAMES.length >= 19, `METHODS has ${METHOD_NAMES.length} entries`);
  const outcomes = new Set(ROWS.flatMap((r) => METHOD_NAMES.map((m) => allowed(METHODS[m], r))));
  assert.deepEqual([...outcomes].sort(), [false, true]);
  // admin may call every operator method; node only what declares role node.
  const admin = ROWS.find((r) => r.scope === "operator.admin")!;
  assert.ok(METHOD_NAMES.filter((m) => METHODS[m].roles.includes("operator")).every((m) => allowed(METHODS[m], admin)));
});

for (const row of ROWS) {
  test(`${row.label}: every method is FORBIDDEN exactly when the declaration says so; the socket stays open`, async (t) => {
    const gw = await pairingGateway(t);
    const identity = generateIdentity();
    const scopes = row.scope === undefined ? [] : [row.scope];
    const { client, res } = await connectFor(t, gw.url, { identity, role: row.role, scopes });
    const hello = assertHello(res);
    // Local auto-approval paired this device with exactly the scopes asked for.
    assert.deepEqual(hello.auth && { role: hello.auth.role, scopes: hello.auth.scopes }, { role: row.role, scopes });

    const served = new Set(hello.features.methods);
    assert.deepEqual([...served].filter((m) => !(METHOD_NAMES as string[]).includes(m)), [], "every served method is declared");
    const unserved = METHOD_NAMES.filter((m) => !served.has(m));
    if (unserved.length > 0) t.diagnostic(`declared but not served (not in the matrix yet): ${unserved.join(", ")}`);

    const mismatches: string[] = [];
    for (const name of METHOD_NAMES.filter((m) => served.has(m))) {
      const decl = METHODS[name];
      const answer = await client.request(name, {});
      assert.equal(answer.type, "res", `${name}: no response`);
      const forbidden = answer.ok === false && answer.error?.code === "FORBIDDEN";
      const want = allowed(decl, row);
      if (forbidden === want) {
        mismatches.push(`${name} (scope ${decl.scope}, roles ${decl.roles.join("|")}): expected ${want ? "allowed" : "FORBIDDEN"}, got ${JSON.stringify(answer.error ?? "ok")}`);
      }
      // Scope refusals name the scope needed; role refusals (operator calling a node-side method) have no scope to name.
      if (forbidden && row.role === "operator" && (decl.roles as readonly string[]).includes("operator")) {
        assert.deepEqual(answer.error?.details, { required: decl.scope }, `${name}: a scope refusal names the scope needed`);
      }
      assert.ok(isOpen(client), `${name}: the connection closed after the answer`);
    }
    assert.deepEqual(mismatches, [], `matrix mismatches for ${row.label}:\n${mismatches.join("\n")}`);

    // Still usable after every refusal: one more round trip gets its answer.
    const after = await client.request("pairing-tests.unknown", {});
    assert.equal(after.error?.code, "INVALID_REQUEST");
    assert.ok(isOpen(client));

    // And the pairing store holds the device with exactly this role and these scopes.
    const admin = await connectFor(t, gw.url, { scopes: ["operator.admin"] });
    assertHello(admin.res);
    const paired = (await pairList(admin.client)).paired.find((d) => d.deviceId === identity.deviceId);
    assert.deepEqual(paired && { roles: paired.roles, scopes: paired.scopes }, { roles: [row.role], scopes });
    await call(admin.client, "health");
  });
}
