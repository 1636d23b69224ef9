// `clawdbot channels login whatsapp` in a pseudo-terminal (util-linux `script`): the QR code is
// drawn with what to do, replaced when WhatsApp rotates it, and the command exits 0 once linked;
// --phone shows a pairing code; with the gateway down it says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { defer } from "./cleanup.js";
import { runCli } from "./cli.js";
import { eventually } from "./harness.js";
import { startWhatsAppGateway, whatsappAccount } from "./whatsapp-harness.js";

const CLI_BIN = fileURLToPath(new URL("../../cli/bin/run.js", import.meta.url));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface Pty {
  output(): string;
  exited: Promise<number | null>;
}

/** Runs the CLI under `script`, so it sees a terminal on stdout. */
function inPty(t: TestContext, args: string[], stateDir: string): Pty {
  const env: NodeJS.ProcessEnv = { ...process.env, CLAWDBOT_STATE_DIR: stateDir, FORCE_COLOR: "0", NO_COLOR: "1", TERM: "xterm" };
  for (const k of Object.keys(env)) if (k.startsWith("CLAWDBOT_") && k !== "CLAWDBOT_STATE_DIR") delete env[k];
  const cmd = [process.execPath, CLI_BIN, ...args].map(quote).join(" ");
  const child = spawn("script", ["-qfec", cmd, "/dev/null"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  defer(t, () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    return exited;
  });
  return { output: () => out, exited };
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

test("channels login whatsapp: QR with instructions in a terminal, replaced on rotation, exit 0 once linked", async (t) => {
  const { fake, gw, admin } = await startWhatsAppGateway(t, {}, { linked: false });
  const pty = inPty(t, ["channels", "login", "whatsapp", "--url", gw.url], gw.stateDir);
  await eventually("the first QR code", () => /Linked devices → Link a device, then scan this code/.test(pty.output()), 30_000);
  const first = pty.output();
  assert.match(first, /[▀▄█]/, "no QR code drawn");
  assert.match(first, /It expires in \d+ s; a new one replaces it automatically/);
  fake.rotateQr();
  await eventually("the rotated QR code", () => count(pty.output(), /then scan this code/g) === 2, 15_000);
  assert.ok(pty.output().slice(first.length).includes("\x1b[2J"), "the old code was not cleared");
  fake.scan();
  assert.equal(await pty.exited, 0, pty.output());
  assert.match(pty.output(), /whatsapp: linked as \+15550001111/);
  assert.equal((await whatsappAccount(admin)).connected, true);
});

test("channels login whatsapp --phone shows a pairing code to type on the phone", async (t) => {
  const { fake, gw } = await startWhatsAppGateway(t, {}, { linked: false });
  const pty = inPty(t, ["channels", "login", "whatsapp", "--phone", "+15550001111", "--url", gw.url], gw.stateDir);
  await eventually("the pairing code and what to do with it", () => /Pairing code: K7PX3QRA[\s\S]*Link with phone number instead/.test(pty.output()), 30_000);
  assert.deepEqual(fake.pairingRequests, ["15550001111"]);
  fake.scan();
  assert.equal(await pty.exited, 0, pty.output());
});

test("channels login whatsapp: a refused link exits non-zero with the reason; with the gateway down it says so", async (t) => {
  const { fake, gw } = await startWhatsAppGateway(t, {}, { linked: false });
  const pty = inPty(t, ["channels", "login", "whatsapp", "--url", gw.url], gw.stateDir);
  await eventually("the first QR code", () => /then scan this code/.test(pty.output()), 30_000);
  fake.current.close(408, "QR refs attempts ended");
  assert.equal(await pty.exited, 1, pty.output());
  assert.match(pty.output(), /the QR code expired before it was scanned/);
  const down = await runCli(["channels", "login", "whatsapp", "--url", "ws://127.0.0.1:9"], gw.stateDir);
  assert.equal(down.code, 3, down.stderr);
  assert.match(down.stderr, /is the gateway running\? start it with `clawdbot gateway`/);
});
