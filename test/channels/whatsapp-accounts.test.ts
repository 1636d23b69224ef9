// Two WhatsApp numbers on one gateway (channels.whatsapp.accounts): each answers on its own
// socket, `send --account` picks one, `clawdbot channels status --json` lists both with their
// drop reasons, and logging one out leaves the other linked.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { FakeWhatsApp } from "../fakes/whatsapp/world.js";
import { startGateway } from "../support/gateway.js";
import { connectRaw } from "../support/raw-client.js";
import { defer } from "./cleanup.js";
import { runCli } from "./cli.js";
import { call, eventually, tempStateDir } from "./harness.js";
import { jidOf, seedLinkedCreds, whatsappAccount } from "./whatsapp-harness.js";

const WORK = { pn: "15550002222", lid: "88880002222", name: "Work" };

/** A gateway with two linked WhatsApp accounts, home (the default) and work, both connected. */
async function twoAccounts(t: TestContext, o: { dmPolicy: "open" | "allowlist"; allowFrom?: string[]; work: { dmPolicy: "open" | "pairing" } }) {
  const fake = new FakeWhatsApp();
  const stateDir = await tempStateDir(t);
  await seedLinkedCreds(stateDir, fake, "home");
  await seedLinkedCreds(stateDir, fake, "work", WORK);
  const whatsapp = { dmPolicy: o.dmPolicy, ...(o.allowFrom ? { allowFrom: o.allowFrom } : {}), defaultAccount: "home", accounts: { home: {}, work: o.work } };
  const gw = await startGateway({ file: { heartbeat: { enabled: false }, channels: { whatsapp } }, stateDir, channelTransports: { whatsapp: fake.transport } });
  defer(t, () => gw.stop());
  const { client: admin } = await connectRaw(gw.url, { mode: "ui" });
  defer(t, () => admin.close());
  await fake.waitForSockets(2);
  await eventually("both connected", async () => (await whatsappAccount(admin, "home")).connected && (await whatsappAccount(admin, "work")).connected);
  const socketOf = (pn: string) => fake.sockets.find((s) => s.creds.me?.id.startsWith(pn))!;
  return { fake, gw, admin, stateDir, homeSock: socketOf(fake.self.pn), workSock: socketOf(WORK.pn) };
}

test("two WhatsApp accounts: separate sockets and replies, send --account, status --json per account, logout of one", async (t) => {
  const { fake, gw, admin, stateDir, homeSock, workSock } = await twoAccounts(t, { dmPolicy: "allowlist", allowFrom: ["+15557770001"], work: { dmPolicy: "open" } });

  fake.push({ from: "15557770002", text: "to work" }, workSock);
  const w = await fake.waitForSent("work reply", (s) => (s.content as { text?: string }).text === "echo: to work");
  assert.equal(w.socket, workSock.index);
  fake.push({ from: "15557770002", text: "to home" }, homeSock);
  await eventually("home dropped the stranger", async () => (await whatsappAccount(admin, "home")).dropped["not_allowed"] === 1);
  assert.deepEqual(fake.textsTo(jidOf("15557770002")), ["echo: to work"]);

  const r = await runCli(["send", "--to", "whatsapp:+15557770004", "--account", "work", "from work", "--url", gw.url], stateDir);
  assert.equal(r.code, 0, r.stderr);
  const sent = await fake.waitForSent("send via work", (s) => s.jid === jidOf("15557770004"));
  assert.equal(sent.socket, workSock.index);

  const st = await runCli(["channels", "status", "--json", "--url", gw.url], stateDir);
  assert.equal(st.code, 0, st.stderr);
  const json = JSON.parse(st.stdout) as { channelAccounts: { whatsapp: { accountId: string; linked: boolean; dropped: Record<string, number> }[] }; channelDefaultAccountId: { whatsapp: string } };
  assert.deepEqual(json.channelAccounts.whatsapp.map((a) => a.accountId).sort(), ["home", "work"]);
  assert.equal(json.channelDefaultAccountId.whatsapp, "home");
  assert.equal(json.channelAccounts.whatsapp.find((a) => a.accountId === "home")!.dropped["not_allowed"], 1);
  const text = await runCli(["channels", "status", "--url", gw.url], stateDir);
  assert.match(text.stdout, /^WhatsApp \[home, default\] \(\+15550001111\): connected/m);
  assert.match(text.stdout, /^  dropped: not allowed 1$/m);

  await call(admin, "channels.logout", { channel: "whatsapp", accountId: "work" });
  assert.equal(fake.logouts.length, 1);
  assert.equal((await whatsappAccount(admin, "work")).linked, false);
  assert.equal((await whatsappAccount(admin, "home")).connected, true);
});

test("DM pairing on a second account: the code and the approval notice go out through the account the request came in on", async (t) => {
  const { fake, gw, admin, stateDir, workSock } = await twoAccounts(t, { dmPolicy: "open", work: { dmPolicy: "pairing" } });

  fake.push({ from: "15557770009", text: "may I?" }, workSock);
  const notice = await fake.waitForSent("pairing code", (s) => s.jid === jidOf("15557770009"));
  assert.equal(notice.socket, workSock.index);
  const code = /pairing code: ([A-Z0-9]{8})/.exec((notice.content as { text: string }).text)?.[1];
  assert.ok(code, (notice.content as { text: string }).text);
  const pending = await call<{ pending: { code: string; accountId?: string }[] }>(admin, "channels.pairing.list", { channel: "whatsapp" });
  assert.equal(pending.pending.find((p) => p.code === code)?.accountId, "work");

  const r = await runCli(["pairing", "approve", "whatsapp", code, "--url", gw.url], stateDir);
  assert.equal(r.code, 0, r.stderr);
  const approved = await fake.waitForSent("approved notice", (s) => (s.content as { text?: string }).text === "You are approved. Say hello!");
  assert.equal(approved.socket, workSock.index, "the approval went out through the work account");
  assert.equal(approved.jid, jidOf("15557770009"));
  fake.push({ from: "15557770009", text: "thanks" }, workSock);
  const answer = await fake.waitForSent("answered", (s) => (s.content as { text?: string }).text === "echo: thanks");
  assert.equal(answer.socket, workSock.index);
});
