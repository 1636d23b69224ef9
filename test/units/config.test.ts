import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfigFile, parseConfigText, resolveConfig, resolveStatePaths } from "@clawdbot/sidecar";

const paths = { stateDir: "/tmp/x", configPath: "/tmp/x/clawdbot.json" };

test("JSON5 config with comments and trailing commas is accepted", () => {
  const file = parseConfigText("c.json", "{ // comment\n gateway: { port: 1234, }, }");
  assert.equal(resolveConfig(file, paths, {}).port, 1234);
});

test("a bad value or unknown key is named in the error", () => {
  assert.throws(() => parseConfigText("c.json", '{ gateway: { port: "abc" } }'), (e: Error) => e instanceof ConfigError && /gateway\.port/.test(e.message));
  assert.throws(() => parseConfigText("c.json", "{ gateway: { prot: 1 } }"), (e: Error) => /gateway\.prot is not a setting of gateway \(did you mean port\?\)/.test(e.message));
  assert.throws(() => parseConfigText("c.json", "[1]"), /top level must be an object/);
  assert.throws(() => parseConfigText("c.json", "{ nope"), /not valid JSON5/);
});

test("every problem is listed at once, enums with their allowed values", () => {
  const text = '{ agent: { backend: "foo" }, gateway: { port: "abc", prot: 1 }, logging: { level: "loud" } }';
  assert.throws(
    () => parseConfigText("c.json", text),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^c\.json: 4 problems: /);
      assert.deepEqual([...e.problems].sort(), [
        'agent.backend must be one of echo, openai, command (got "foo")',
        'gateway.port must be a whole number (got "abc")',
        "gateway.prot is not a setting of gateway (did you mean port?)",
        'logging.level must be one of trace, debug, info, warn, error, fatal, silent (got "loud")',
      ]);
      return true;
    },
  );
});

test("semantic problems are collected too, and a short secret in the environment is refused", () => {
  assert.throws(
    () => resolveConfig({ gateway: { bind: "moon" }, agent: { backend: "command" } }, paths, { CLAWDBOT_GATEWAY_TOKEN: "short" }),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.length, 3, e.message);
      assert.match(e.message, /bind: "moon"/);
      assert.match(e.message, /agent\.command/);
      assert.match(e.message, /CLAWDBOT_GATEWAY_TOKEN is 5 characters long/);
      return true;
    },
  );
});

test("a config file named explicitly must exist", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cfg-"));
  await assert.rejects(loadConfigFile(join(dir, "none.json"), { required: true }), (e: Error) => e instanceof ConfigError && /no such config file/.test(e.message));
});

test("missing config file is an empty config; an unreadable one is an error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cfg-"));
  assert.deepEqual((await loadConfigFile(join(dir, "none.json"))).file, {});
  await writeFile(join(dir, "bad.json"), "{ gateway: 3 }");
  await assert.rejects(loadConfigFile(join(dir, "bad.json")), (e: Error) => e instanceof ConfigError && e.message.includes("bad.json"));
});

test("precedence: flags > env > file; config is frozen", () => {
  const file = parseConfigText("c", '{ gateway: { port: 1, auth: { token: "file-token-1" } } }');
  const c = resolveConfig(file, paths, { CLAWDBOT_GATEWAY_TOKEN: "env-token-12" }, { port: 2 });
  assert.equal(c.port, 2);
  assert.equal(c.auth.token, "env-token-12");
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.auth));
  assert.equal(resolveConfig(file, paths, {}).auth.token, "file-token-1");
});

test("non-loopback bind needs a secret; bad bind values are explained", () => {
  assert.throws(() => resolveConfig({}, paths, {}, { bind: "lan" }), /without a gateway token or password/);
  assert.equal(resolveConfig({}, paths, {}, { bind: "lan", token: "tok-123456" }).host, "0.0.0.0");
  assert.throws(() => resolveConfig({}, paths, {}, { bind: "moon" }), /not loopback, lan, tailnet or an IP/);
  assert.equal(resolveConfig({}, paths, {}, { bind: "127.0.0.2" }).host, "127.0.0.2");
});

test("state dir and config path come from env or defaults", () => {
  assert.deepEqual(resolveStatePaths({ CLAWDBOT_STATE_DIR: "/s" }), { stateDir: "/s", configPath: "/s/clawdbot.json" });
  assert.equal(resolveStatePaths({ CLAWDBOT_STATE_DIR: "/s", CLAWDBOT_CONFIG_PATH: "/c.json" }).configPath, "/c.json");
  assert.equal(resolveStatePaths({ HOME: "/home/u" }).stateDir, "/home/u/.clawdbot");
  assert.equal(resolveStatePaths({ CLAWDBOT_STATE_DIR: "/s" }, "/f.json").configPath, "/f.json");
});
