// iMessage config resolution and the Full Disk Access explanation, without processes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveConfig } from "@clawdbot/sidecar";
import { explainDatabaseDenied, looksLikeDatabaseDenied } from "../../sidecar/src/channels/imessage/permissions.js";
import { permissionState } from "../../sidecar/src/platform/mac-permissions.js";

const paths = { stateDir: "/nonexistent", configPath: "/nonexistent/clawdbot.json" };
const resolve = (imessage: Record<string, unknown>) => resolveConfig({ channels: { imessage } } as never, paths, {}).channels.imessage!.accounts["default"] as unknown as Record<string, unknown>;

test("defaults: imsg on PATH, service auto, pairing, group allowlist needing a mention, 16 MB, attachments on", () => {
  const a = resolve({});
  assert.deepEqual([a["cliPath"], a["dbPath"], a["service"], a["dmPolicy"], a["requireMention"], a["mediaMaxBytes"], a["includeAttachments"]], ["imsg", undefined, "auto", "pairing", true, 16 * 1024 * 1024, true]);
  assert.deepEqual(a["groupAllow"], []);
});

test("handles are normalized (emails lower-cased, phone punctuation dropped); groups are keyed by chat_id", () => {
  const a = resolve({ allowFrom: ["Ada@Example.COM", "+1 (555) 000-1111"], groups: { "42": { requireMention: false } } });
  assert.deepEqual(a["allowFrom"], ["ada@example.com", "+15550001111"]);
  assert.deepEqual(a["groupAllow"], ["chat:42"]);
  assert.deepEqual(a["groupRequireMention"], { "chat:42": false });
  assert.throws(() => resolve({ groups: { Climbing: {} } }), /channels\.imessage\.groups: "Climbing" is not an imsg chat_id/);
});

test("imsg's permission error is recognised; the explanation depends on where imsg runs and what macOS reports", async () => {
  assert.ok(looksLikeDatabaseDenied(["Error: authorization denied (code: 23)"]));
  assert.ok(looksLikeDatabaseDenied(["The Messages database at x requires Full Disk Access permission."]));
  assert.ok(!looksLikeDatabaseDenied(["chats.list: no answer within 30000 ms"]));
  const granted = await explainDatabaseDenied({ platform: "darwin", execPath: "/usr/local/bin/node", remote: false, dbPath: undefined, probe: async () => ({ getAuthStatus: () => "authorized" }) });
  assert.match(granted, /although macOS reports Full Disk Access for \/usr\/local\/bin\/node/);
  const unknown = await explainDatabaseDenied({ platform: "darwin", execPath: "/usr/local/bin/node", remote: false, dbPath: undefined, probe: async () => undefined });
  assert.match(unknown, /^imsg cannot read the Messages database \(~\/Library\/Messages\/chat\.db\): Full Disk Access is missing\. System Settings/);
  assert.equal(await permissionState("full-disk-access", { platform: "linux", load: async () => ({ getAuthStatus: () => "authorized" }) }), "unknown", "off macOS nothing is asked");
  assert.equal(await permissionState("full-disk-access", { platform: "darwin", load: async () => ({ getAuthStatus: () => { throw new Error("boom"); } }) }), "unknown");
});
