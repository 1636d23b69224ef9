// The built `clawdbot` CLI (health, status, call) run as a child process against live gateways.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { PROXY_ADDRESS, startReverseProxy, type ReverseProxy } from "../support/reverse-proxy.js";
import { freePort, jsonOut, lines, listenTcp, portOf, runCli, tempDir, type CliResult } from "./run-cli.js";

const EXIT = { ok: 0, usage: 2, unreachable: 3, unauthorized: 4, pairingRequired: 5, timeout: 6, requestFailed: 7 };

/** Fails with the whole CLI output so a wrong exit code explains itself. */
function assertExit(r: CliResult, code: number): void {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

/** The documented failure form: nothing on stdout, exactly one `clawdbot: <reason>` line on stderr. */
function assertOneFailureLine(r: CliResult): string {
  assert.equal(r.stdout, "", `stdout should be empty on failure, got:\n${r.stdout}`);
  const err = lines(r.stderr);
  assert.equal(err.length, 1, `expected one stderr line, got ${err.length}:\n${r.stderr}`);
  assert.match(err[0]!, /^clawdbot: \S/);
  return err[0]!;
}

/** The documented `--json` failure form: `{error:{code,message}}` and nothing else. */
function assertJsonError(r: CliResult): { code: string; message: string } {
  const body = jsonOut<{ error?: Record<string, unknown> }>(r);
  assert.deepEqual(Object.keys(body), ["error"], `unexpected keys in ${r.stdout.slice(0, 500)}`);
  assert.deepEqual(Object.keys(body.error ?? {}).sort(), ["code", "message"], `error object: ${r.stdout.slice(0, 500)}`);
  const { code, message } = body.error as { code: unknown; message: unknown };
  assert.equal(typeof code, "string");
  assert.equal(typeof message, "string");
  return { code: code as string, message: message as string };
}

describe("against a default loopback gateway", () => {
  let gw: TestGateway;
  let cliState: string;
  const cli = (...args: string[]) => runCli([...args, "--url", gw.url], { stateDir: cliState });

  before(async () => {
    gw = await startGateway();
    cliState = await mkdtemp(join(tmpdir(), "clawdbot-cli-"));
  });
  after(async () => {
    await gw.stop();
    await rm(cliState, { recursive: true, force: true });
  });

  test("health prints `gateway: healthy` and exits 0", async () => {
    const r = await cli("health");
    assertExit(r, EXIT.ok);
    assert.match(lines(r.stdout)[0] ?? "", /^gateway: healthy \(answered in \d+ms\)$/);
    assert.match(r.stdout, /^uptime: \d/m);
    assert.equal(r.stderr, "");
  });

  test("health --json prints the health snapshot with ok:true", async () => {
    const r = await cli("health", "--json");
    assertExit(r, EXIT.ok);
    const h = jsonOut<{ ok: unknown; uptimeMs: unknown; heartbeat: { enabled: unknown } }>(r);
    assert.equal(h.ok, true);
    assert.equal(typeof h.uptimeMs, "number");
    assert.equal(h.heartbeat.enabled, true);
  });

  test("status prints the gateway URL, state dir and auth mode", async () => {
    const r = await cli("status");
    assertExit(r, EXIT.ok);
    assert.match(r.stdout, new RegExp(`^gateway \\S+ on ${gw.url} \\(pid ${process.pid}, `));
    assert.ok(r.stdout.includes(`state dir: ${gw.stateDir}`), r.stdout);
    assert.match(r.stdout, /^auth: none$/m);
  });

  test("status --json reports version, url, stateDir and the port actually bound", async () => {
    const r = await cli("status", "--json");
    assertExit(r, EXIT.ok);
    const s = jsonOut<Record<string, unknown>>(r);
    assert.match(String(s["version"]), /^\d+\.\d+\.\d+/);
    assert.equal(s["url"], gw.url);
    assert.equal(s["stateDir"], gw.stateDir);
    assert.equal(s["pid"], process.pid);
    assert.equal(s["auth"], "none");
    // The gateway was asked for port 0; `port` must be the port clients can use, not the request.
    assert.equal(s["port"], gw.port, "status.port should be the bound port (url says " + String(s["url"]) + ")");
  });

  test("call system-presence prints a JSON array holding the gateway's own entry", async () => {
    const r = await cli("call", "system-presence");
    assertExit(r, EXIT.ok);
    const list = jsonOut<unknown[]>(r);
    assert.ok(Array.isArray(list), r.stdout);
    assert.ok(
      list.some((e) => (e as { mode?: unknown }).mode === "gateway"),
      `no gateway entry in ${r.stdout}`,
    );
  });

  test("call of an unknown method exits 7 with INVALID_REQUEST on one stderr line", async () => {
    const r = await cli("call", "nope.method");
    assertExit(r, EXIT.requestFailed);
    const line = assertOneFailureLine(r);
    assert.match(line, /INVALID_REQUEST/);
    assert.match(line, /nope\.method/);
  });

  test("call of an unknown method with --json prints {error:{code:INVALID_REQUEST}} and exits 7", async () => {
    const r = await cli("call", "nope.method", "--json");
    assertExit(r, EXIT.requestFailed);
    assert.equal(assertJsonError(r).code, "INVALID_REQUEST");
  });

  test("call with --params that is not JSON is a usage error (exit 2) reported in the failure format", async (t) => {
    const r = await cli("call", "health", "--params", "{");
    await t.test("exits 2 and names --params, printing nothing on stdout", () => {
      assertExit(r, EXIT.usage);
      assert.match(r.stderr, /--params/);
      assert.equal(r.stdout, "");
    });
    await t.test("prints exactly one `clawdbot: …` line on stderr", () => {
      assertOneFailureLine(r);
    });
  });

  test("usage errors with --json print {error:{code,message}} and still exit 2", async (t) => {
    for (const [name, args] of [
      ["--params that is not JSON", ["call", "health", "--params", "{"]],
      ["an unknown flag", ["health", "--no-such-flag"]],
    ] as const) {
      await t.test(name, async () => {
        const r = await cli(...args, "--json");
        assert.ok(r.stdout.length < 2000, `--json usage error printed ${r.stdout.length} bytes:\n${r.stdout.slice(0, 400)}…`);
        assertJsonError(r);
        assertExit(r, EXIT.usage);
      });
    }
  });

  test("CLAWDBOT_GATEWAY_URL is used when --url is not given", async () => {
    const r = await runCli(["health"], { stateDir: cliState, env: { CLAWDBOT_GATEWAY_URL: gw.url } });
    assertExit(r, EXIT.ok);
    assert.match(lines(r.stdout)[0] ?? "", /^gateway: healthy \(answered in \d+ms\)$/);
  });
});

test("call set-heartbeats {enabled:false} turns heartbeats off as seen by health", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const stateDir = await tempDir(t);
  const set = await runCli(["call", "set-heartbeats", "--params", '{"enabled":false}', "--url", gw.url], { stateDir });
  assertExit(set, EXIT.ok);
  assert.deepEqual(jsonOut(set), { ok: true, enabled: false });
  const h = await runCli(["call", "health", "--json", "--url", gw.url], { stateDir });
  assertExit(h, EXIT.ok);
  assert.equal(jsonOut<{ heartbeat: { enabled: unknown } }>(h).heartbeat.enabled, false);
});

test("the CLI creates its identity once (0600), stores its device token and reuses both", async (t) => {
  const gw = await startGateway();
  t.after(() => gw.stop());
  const stateDir = await tempDir(t);
  const identityPath = join(stateDir, "identity", "device.json");
  const tokensPath = join(stateDir, "identity", "device-auth.json");

  const first = await runCli(["health", "--url", gw.url], { stateDir });
  assertExit(first, EXIT.ok);
  assert.equal((await stat(identityPath)).mode & 0o777, 0o600);
  assert.equal((await stat(tokensPath)).mode & 0o777, 0o600);
  const identity = JSON.parse(await readFile(identityPath, "utf8")) as { deviceId: string; privateKeyPem: string };
  assert.match(identity.deviceId, /^[0-9a-f]{64}$/);
  const tokens = JSON.parse(await readFile(tokensPath, "utf8")) as Record<string, string>;
  const token = tokens[`${gw.url}|operator`];
  assert.equal(typeof token, "string", `no token for ${gw.url}|operator in ${JSON.stringify(tokens)}`);

  const second = await runCli(["call", "device.pair.list", "--url", gw.url], { stateDir });
  assertExit(second, EXIT.ok);
  const { paired } = jsonOut<{ paired: { deviceId: string }[] }>(second);
  assert.deepEqual(
    paired.map((d) => d.deviceId),
    [identity.deviceId],
  );
  const again = JSON.parse(await readFile(identityPath, "utf8")) as { deviceId: string; privateKeyPem: string };
  assert.equal(again.deviceId, identity.deviceId);
  assert.equal(again.privateKeyPem, identity.privateKeyPem);
  // The second connect presented the stored device token, so none was reissued.
  const tokensAfter = JSON.parse(await readFile(tokensPath, "utf8")) as Record<string, string>;
  assert.equal(tokensAfter[`${gw.url}|operator`], token);
});

test("a stored device token the gateway no longer knows does not lock the CLI out of a local no-auth gateway", async (t) => {
  // Gateway A issues the CLI a device token; A is replaced on the same URL by B with a fresh
  // state dir (reinstall, `rm -rf ~/.clawdbot/devices`, or the token was revoked/rotated).
  const stateDir = await tempDir(t);
  const a = await startGateway();
  const first = await runCli(["health", "--url", a.url], { stateDir });
  await a.stop();
  assertExit(first, EXIT.ok);
  const b = await startGateway({ flags: { port: a.port } });
  t.after(() => b.stop());
  assert.equal(b.url, a.url);
  const r = await runCli(["health", "--url", b.url], { stateDir });
  assertExit(r, EXIT.ok);
});

test("an unreachable gateway exits 3 with one stderr line (and code unreachable with --json)", async (t) => {
  const stateDir = await tempDir(t);
  const url = `ws://127.0.0.1:${await freePort()}`;
  const r = await runCli(["health", "--url", url], { stateDir });
  assertExit(r, EXIT.unreachable);
  assert.match(assertOneFailureLine(r), /unreachable/);
  const j = await runCli(["status", "--json", "--url", url], { stateDir });
  assertExit(j, EXIT.unreachable);
  assert.equal(assertJsonError(j).code, "unreachable");
});

test("a gateway that accepts TCP but never answers: --timeout 500 exits 6", async (t) => {
  const sockets: Socket[] = [];
  const server = await listenTcp((s) => sockets.push(s));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const stateDir = await tempDir(t);
  const r = await runCli(["health", "--timeout", "500", "--url", `ws://127.0.0.1:${portOf(server)}`], { stateDir });
  assertExit(r, EXIT.timeout);
  assertOneFailureLine(r);
  assert.ok(sockets.length >= 1, "the CLI never connected to the silent server");
});

describe("against a gateway with a token", () => {
  const TOKEN = "tok-123456789";
  let gw: TestGateway;
  let proxy: ReverseProxy;
  before(async () => {
    gw = await startGateway({ flags: { token: TOKEN }, file: { gateway: { trustedProxies: [PROXY_ADDRESS] } } });
    proxy = await startReverseProxy(gw.port, "append-x-forwarded-for", "198.51.100.40");
  });
  after(async () => {
    await proxy.close();
    await gw.stop();
  });

  test("from another machine without the token: exit 4, one stderr line that says a token is needed", async (t) => {
    const r = await runCli(["health", "--url", proxy.url], { stateDir: await tempDir(t) });
    assertExit(r, EXIT.unauthorized);
    assert.match(assertOneFailureLine(r), /unauthorized.*token/i);
  });

  test("on the gateway host without the token: exit 0 (the CLI is let in by local approval)", async (t) => {
    const r = await runCli(["health", "--url", gw.url], { stateDir: await tempDir(t) });
    assertExit(r, EXIT.ok);
  });

  test("with a wrong --token: exit 4 (code unauthorized with --json)", async (t) => {
    const r = await runCli(["health", "--json", "--token", "tok-wrong-0000", "--url", gw.url], { stateDir: await tempDir(t) });
    assertExit(r, EXIT.unauthorized);
    assert.equal(assertJsonError(r).code, "unauthorized");
  });

  test("with --token: exit 0", async (t) => {
    const r = await runCli(["health", "--token", TOKEN, "--url", gw.url], { stateDir: await tempDir(t) });
    assertExit(r, EXIT.ok);
    assert.match(lines(r.stdout)[0] ?? "", /^gateway: healthy \(answered in \d+ms\)$/);
  });

  test("with CLAWDBOT_GATEWAY_TOKEN: exit 0", async (t) => {
    const r = await runCli(["health", "--url", gw.url], { stateDir: await tempDir(t), env: { CLAWDBOT_GATEWAY_TOKEN: TOKEN } });
    assertExit(r, EXIT.ok);
    assert.match(lines(r.stdout)[0] ?? "", /^gateway: healthy \(answered in \d+ms\)$/);
  });
});

describe("against a gateway that does not auto-approve local devices", () => {
  // The CLI shares the gateway's state dir, as on the gateway host itself (~/.clawdbot).
  let gw: TestGateway;
  let failure: CliResult;
  const cli = (args: string[]) => runCli(args, { stateDir: gw.stateDir, env: { CLAWDBOT_GATEWAY_URL: gw.url } });
  const APPROVE = /`clawdbot (pair approve ([0-9a-f-]{36}))`/;
  before(async () => {
    gw = await startGateway({ file: { gateway: { pairing: { autoApproveLocal: false } } } });
    failure = await cli(["health"]);
  });
  after(() => gw.stop());

  test("a new CLI device exits 5, told to run `clawdbot pair approve <requestId>`; a retry reuses the request", async () => {
    assertExit(failure, EXIT.pairingRequired);
    const first = APPROVE.exec(assertOneFailureLine(failure));
    assert.ok(first, failure.stderr);
    const retry = await cli(["health", "--json"]);
    assertExit(retry, EXIT.pairingRequired);
    const err = assertJsonError(retry);
    assert.equal(err.code, "pairing-required");
    assert.equal(APPROVE.exec(err.message)?.[2], first[2], `a retry should reuse request ${first[2]}: ${err.message}`);
  });

  test("running the command the message names approves the device; then health succeeds", async () => {
    const m = APPROVE.exec(failure.stderr);
    assert.ok(m, failure.stderr);
    const approve = await cli(m[1]!.split(" "));
    assertExit(approve, EXIT.ok);
    assert.ok(approve.stdout.includes(m[2]!), approve.stdout);
    const health = await cli(["health"]);
    assertExit(health, EXIT.ok);
    assert.match(lines(health.stdout)[0] ?? "", /^gateway: healthy \(answered in \d+ms\)$/);
  });
});
