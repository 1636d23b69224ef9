// Signal config resolution and envelope classification, without sockets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { check } from "@clawdbot/protocol";
import { ConfigFileSchema, resolveConfig } from "@clawdbot/sidecar";
import { groupChatId, groupIdOfChat } from "../../sidecar/src/channels/signal/config.js";
import { classifyEvent, parseMessageRef } from "../../sidecar/src/channels/signal/envelope.js";
import { MENTION, messageEnvelope } from "../fakes/signal/envelopes.js";

const paths = { stateDir: "/nonexistent", configPath: "/nonexistent/clawdbot.json" };
const resolve = (signal: Record<string, unknown>) => resolveConfig({ channels: { signal } } as never, paths, {}).channels.signal!.accounts["default"] as unknown as Record<string, unknown>;

test("defaults: autoStart unless httpUrl, signal-cli on PATH, on-connection, pairing, group allowlist with mentions, 8 MB", () => {
  const a = resolve({ account: "+15551234567" });
  assert.equal(a["autoStart"], true);
  assert.equal(a["httpUrl"], undefined);
  assert.equal(a["cliPath"], "signal-cli");
  assert.equal(a["receiveMode"], "on-connection");
  assert.equal(a["dmPolicy"], "pairing");
  assert.equal(a["groupsEnabled"], true);
  assert.deepEqual(a["groupAllow"], []);
  assert.equal(a["requireMention"], true);
  assert.equal(a["mediaMaxBytes"], 8 * 1024 * 1024);
  assert.equal(a["sendReadReceipts"], false);
  const external = resolve({ account: "+15551234567", httpUrl: "http://127.0.0.1:8080/" });
  assert.equal(external["autoStart"], false);
  assert.equal(external["httpUrl"], "http://127.0.0.1:8080");
});

test("contradictions and bad values are config errors naming the key", () => {
  assert.throws(() => resolve({}), /channels\.signal\.account: set the Signal account's phone number/);
  assert.throws(() => resolve({ account: "+15551234567", httpUrl: "http://x", autoStart: true }), /httpUrl names a daemon someone else runs/);
  assert.throws(() => resolve({ account: "+15551234567", autoStart: false }), /autoStart is off and no httpUrl is set/);
  assert.throws(() => resolve({ account: "+15551234567", allowFrom: ["bob"] }), /channels\.signal\.allowFrom\[0\]: "bob" is neither an E\.164 number nor uuid:<id>/);
  assert.throws(() => resolve({ account: "+15551234567", mentionPatterns: ["(unclosed"] }), /channels\.signal\.mentionPatterns\[0\]: not a regular expression/);
  assert.equal(check(ConfigFileSchema, { channels: { signal: { account: "15551234567" } } }).ok, false, "the schema wants E.164");
  assert.equal(check(ConfigFileSchema, { channels: { signal: { account: "+15551234567", accounts: { work: { account: "+15557654321", receiveMode: "manual" } } } } }).ok, false);
});

test("groups map to chat ids in URL-safe base64; allow:false is a denial, * sets the default", () => {
  const id = "ab+/cd==";
  const a = resolve({ account: "+15551234567", groupPolicy: "open", groups: { [id]: { allow: false }, other: { requireMention: false }, "*": { requireMention: false } } });
  assert.equal(groupChatId(id), "group:ab-_cd");
  assert.equal(groupIdOfChat(groupChatId(id)), id);
  assert.equal(a["groupAllow"], undefined);
  assert.deepEqual(a["deniedGroups"], ["group:ab-_cd"]);
  assert.equal(a["requireMention"], false);
  assert.deepEqual(a["groupRequireMention"], { "group:other": false });
  assert.equal(resolve({ account: "+15551234567", groupPolicy: "disabled" })["groupsEnabled"], false);
});

const self = { account: "+15550000001", uuid: "aaaaaaaa-0000-4000-8000-000000000001", mentionPatterns: [] };
const event = (envelope: unknown) => JSON.stringify({ envelope, account: self.account });

test("classification: mention placeholders spelled out, a UUID-only sender as uuid:<id>, the message named by timestamp and author", () => {
  const ghost = { uuid: "BBBBBBBB-0000-4000-8000-000000000002", name: "Ghost" };
  const c = classifyEvent(event(messageEnvelope(ghost, 1700000000123, `${MENTION} and ${MENTION}`, { mentions: [{ uuid: self.uuid, start: 0, length: 1 }, { number: "+15559990000", uuid: "c", start: 6, length: 1 }] })), self, "default");
  assert.equal(c.kind, "message");
  if (c.kind !== "message") return;
  assert.equal(c.msg.senderId, "uuid:bbbbbbbb-0000-4000-8000-000000000002");
  assert.equal(c.msg.chatId, c.msg.senderId);
  assert.equal(c.msg.text, "@+15550000001 and @+15559990000");
  assert.equal(c.msg.mentionsBot, true);
  assert.deepEqual(parseMessageRef(c.msg.providerMessageId), { timestamp: 1700000000123, author: "uuid:bbbbbbbb-0000-4000-8000-000000000002" });
});

test("classification: unreadable data, group updates, stickers without text and expiry changes are ignored", () => {
  assert.equal(classifyEvent("not json", self, "default").kind, "ignore");
  assert.equal(classifyEvent(JSON.stringify({ envelope: { nope: 1 } }), self, "default").kind, "ignore");
  const ada = { number: "+15551112222", uuid: "d" };
  const update = messageEnvelope(ada, 1, null, { groupInfo: { groupId: "g", groupName: "G" } });
  (update.dataMessage as { groupInfo: { type: string } }).groupInfo.type = "UPDATE";
  assert.deepEqual(classifyEvent(event(update), self, "default"), { kind: "ignore", why: "group update" });
  assert.equal(classifyEvent(event(messageEnvelope(ada, 2, null)), self, "default").kind, "ignore");
});
