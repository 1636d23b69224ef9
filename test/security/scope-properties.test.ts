// Property tests of scope binding against a real gateway over real sockets: over generated
// combinations of approved, token, requested and caller scopes, a session never holds more than
// approved ∩ token, a connect never changes an approval, and no method approves, mints, rotates or
// revokes beyond the caller's own scopes (rotate and revoke also need the target token's).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { METHODS, OPERATOR_SCOPES, scopesCovered, type HelloOk, type OperatorScope } from "@clawdbot/protocol";
import { generateIdentity, type DeviceIdentity } from "@clawdbot/protocol/client";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { connectRaw, type RawClient } from "../support/raw-client.js";

const SECRET = "scope-properties-gateway-secret";

/** One method per scope; called with params that fail validation, so a probe never changes anything. */
const PROBES: Record<OperatorScope, string> = Object.fromEntries(
  OPERATOR_SCOPES.map((scope) => {
    const entry = Object.entries(METHODS).find(([, m]) => m.scope === scope && (m.roles as readonly string[]).includes("operator"));
    assert.ok(entry, `no operator method needs ${scope}`);
    return [scope, entry[0]];
  }),
) as Record<OperatorScope, string>;

const scopeSet = fc.subarray([...OPERATOR_SCOPES] as OperatorScope[]);
const nonEmptyScopeSet = fc.subarray([...OPERATOR_SCOPES] as OperatorScope[], { minLength: 1 });

/** What a connect asking for `scopes` asks for: none named means operator.read. */
function asked(scopes: readonly string[]): string[] {
  return scopes.length === 0 ? ["operator.read"] : [...scopes];
}

/** The scopes a live session holds, probed one method per scope. */
async function heldScopes(client: RawClient): Promise<OperatorScope[]> {
  const held: OperatorScope[] = [];
  for (const scope of OPERATOR_SCOPES) {
    const res = await client.request(PROBES[scope], "probe: not valid params");
    assert.equal(res.ok, false, `${PROBES[scope]} accepted invalid params`);
    if (res.error?.code !== "FORBIDDEN") held.push(scope);
  }
  return held;
}

interface Harness {
  gw: TestGateway;
  admin: RawClient;
}

async function harness(t: TestContext): Promise<Harness> {
  // No local auto-approval: every device is approved explicitly, with exactly the scopes it asked for.
  const gw = await startGateway({ flags: { token: SECRET }, file: { gateway: { pairing: { autoApproveLocal: false } } } });
  t.after(() => gw.stop());
  const { client: admin, res } = await connectRaw(gw.url, { identity: null, token: SECRET, scopes: ["operator.admin"] });
  assert.equal(res.ok, true, JSON.stringify(res));
  t.after(() => admin.close());
  return { gw, admin };
}

/** Files a pairing request for a new device asking `scopes`; returns its id. */
async function requestPairing(h: Harness, identity: DeviceIdentity, scopes: string[]): Promise<string> {
  const { client, res } = await connectRaw(h.gw.url, { identity, token: SECRET, scopes });
  client.close();
  assert.equal(res.ok, false);
  const requestId = (res.error?.details as { requestId?: string } | undefined)?.requestId;
  assert.ok(requestId, JSON.stringify(res));
  return requestId;
}

/** A device approved for `approved` whose operator token carries `token` scopes; returns the token. */
async function pairedDevice(h: Harness, approved: string[], token: string[]): Promise<{ identity: DeviceIdentity; deviceToken: string }> {
  const identity = generateIdentity();
  const requestId = await requestPairing(h, identity, approved);
  const ok = await h.admin.request("device.pair.approve", { requestId });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  const { client, res } = await connectRaw(h.gw.url, { identity, token: SECRET, scopes: approved });
  client.close();
  let deviceToken = (res.payload as HelloOk | undefined)?.auth?.deviceToken;
  assert.ok(deviceToken, JSON.stringify(res));
  const rotated = await h.admin.request("device.token.rotate", { deviceId: identity.deviceId, role: "operator", scopes: token });
  assert.equal(rotated.ok, true, JSON.stringify(rotated));
  deviceToken = (rotated.payload as { token: string }).token;
  return { identity, deviceToken };
}

async function approvalOf(h: Harness, deviceId: string): Promise<{ scopes: string[]; tokens: { role: string; scopes: string[]; revokedAtMs?: number }[] } | undefined> {
  const list = (await h.admin.request("device.pair.list")).payload as { paired: { deviceId: string; scopes: string[]; tokens: { role: string; scopes: string[]; revokedAtMs?: number }[] }[] };
  return list.paired.find((d) => d.deviceId === deviceId);
}

const RUNS = Number(process.env["PROPERTY_RUNS"] ?? 40);

test("a session never holds more than approved ∩ token ∩ requested, and a connect never changes the approval", async (t) => {
  const h = await harness(t);
  await fc.assert(
    fc.asyncProperty(
      nonEmptyScopeSet,
      scopeSet,
      scopeSet,
      fc.boolean(),
      async (approved, tokenPick, requested, withSecret) => {
        // A token is minted within the approval.
        const tokenScopes = tokenPick.filter((s) => scopesCovered(approved, [s]));
        const { identity, deviceToken } = await pairedDevice(h, approved, tokenScopes);
        const before = await approvalOf(h, identity.deviceId);
        const { client, res } = await connectRaw(h.gw.url, { identity, token: withSecret ? SECRET : deviceToken, scopes: requested });
        try {
          if (!res.ok) {
            // Only a secret connect asking beyond the approval may be sent to pairing, never let in.
            assert.equal(withSecret, true, JSON.stringify(res));
            assert.equal(res.error?.details && typeof (res.error.details as { requestId?: unknown }).requestId, "string");
            assert.ok(!scopesCovered(approved, asked(requested)));
            return;
          }
          const held = await heldScopes(client);
          for (const s of held) {
            assert.ok(scopesCovered(approved, [s]), `holds ${s} beyond approval ${approved}`);
            assert.ok(scopesCovered(asked(requested), [s]), `holds ${s} not requested ${requested}`);
            if (!withSecret) assert.ok(scopesCovered(tokenScopes, [s]), `holds ${s} beyond token ${tokenScopes}`);
          }
        } finally {
          client.close();
        }
        const after = await approvalOf(h, identity.deviceId);
        assert.deepEqual(after?.scopes, before?.scopes, "a connect changed the stored approval");
      },
    ),
    { numRuns: RUNS },
  );
});

type Op = { kind: "approve"; scopes: OperatorScope[] } | { kind: "rotate"; scopes: OperatorScope[] } | { kind: "revoke" };

test("approve, rotate and revoke succeed exactly when the caller holds pairing and every scope granted or taken away", async (t) => {
  const h = await harness(t);
  const op: fc.Arbitrary<Op> = fc.oneof(
    nonEmptyScopeSet.map((scopes): Op => ({ kind: "approve", scopes })),
    scopeSet.map((scopes): Op => ({ kind: "rotate", scopes })),
    fc.constant<Op>({ kind: "revoke" }),
  );
  await fc.assert(
    fc.asyncProperty(nonEmptyScopeSet, nonEmptyScopeSet, op, async (callerScopes, targetScopes, operation) => {
      const caller = await pairedDevice(h, callerScopes, callerScopes);
      const { client, res } = await connectRaw(h.gw.url, { identity: caller.identity, token: caller.deviceToken, scopes: callerScopes });
      assert.equal(res.ok, true, JSON.stringify(res));
      const mayPair = scopesCovered(callerScopes, ["operator.pairing"]);
      try {
        if (operation.kind === "approve") {
          const identity = generateIdentity();
          const requestId = await requestPairing(h, identity, operation.scopes);
          const r = await client.request("device.pair.approve", { requestId });
          const expected = mayPair && scopesCovered(callerScopes, operation.scopes);
          assert.equal(r.ok, expected, `caller ${callerScopes} approving ${operation.scopes}: ${JSON.stringify(r)}`);
          if (!expected) assert.equal(await approvalOf(h, identity.deviceId), undefined);
          return;
        }
        const target = await pairedDevice(h, targetScopes, targetScopes);
        const before = await approvalOf(h, target.identity.deviceId);
        if (operation.kind === "rotate") {
          const r = await client.request("device.token.rotate", { deviceId: target.identity.deviceId, role: "operator", scopes: operation.scopes });
          const expected =
            mayPair && scopesCovered(targetScopes, operation.scopes) && scopesCovered(callerScopes, operation.scopes) && scopesCovered(callerScopes, targetScopes);
          assert.equal(r.ok, expected, `caller ${callerScopes} rotating ${targetScopes} to ${operation.scopes}: ${JSON.stringify(r)}`);
          if (r.ok) assert.deepEqual((r.payload as { scopes: string[] }).scopes, operation.scopes);
        } else {
          const r = await client.request("device.token.revoke", { deviceId: target.identity.deviceId, role: "operator" });
          const expected = mayPair && scopesCovered(callerScopes, targetScopes);
          assert.equal(r.ok, expected, `caller ${callerScopes} revoking ${targetScopes}: ${JSON.stringify(r)}`);
        }
        const after = await approvalOf(h, target.identity.deviceId);
        assert.deepEqual(after?.scopes, before?.scopes, "the approval itself never changes");
        // A refused call leaves the target's token working.
        const again = await connectRaw(h.gw.url, { identity: target.identity, token: target.deviceToken, scopes: targetScopes });
        again.client.close();
        const refused = operation.kind === "rotate"
          ? !(mayPair && scopesCovered(targetScopes, operation.scopes) && scopesCovered(callerScopes, operation.scopes) && scopesCovered(callerScopes, targetScopes))
          : !(mayPair && scopesCovered(callerScopes, targetScopes));
        assert.equal(again.res.ok, refused, `target token after ${operation.kind}: ${JSON.stringify(again.res)}`);
      } finally {
        client.close();
      }
    }),
    { numRuns: RUNS },
  );
});
