// The config validators the build precompiles (sidecar/dist/config/config-<part>.validate.cjs) say
// exactly what ajv compiling the whole schema at run time says, for good files and broken ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { Ajv } from "ajv";
import { ConfigFileSchema, configProblems } from "@clawdbot/sidecar";
import { CONFIG_AJV_OPTIONS, compileConfigValidator, configSchemaParts, precompiledValidatorFile } from "../../sidecar/dist/config/problems.js";

const FILES: unknown[] = [
  {},
  { gateway: { port: 18789, bind: "loopback", auth: { token: "0123456789" } }, channels: { telegram: { botToken: "1:abc" } } },
  { gateway: { port: "abc", prot: 1 }, agent: { backend: "foo" }, logging: { level: "loud" } },
  { channels: { telegram: { botToken: 5, dmPolicy: "sometimes", polTimeoutSec: 3 }, whatsapp: { accounts: { "Bad Id": {} } } } },
  { channels: { signal: { account: 1 }, imessage: { cliPath: "" }, nope: {} } },
  { channels: { telegram: { accounts: { work: { botToken: "1:abc", groupPolicy: "x" } }, defaultAccount: "BAD" } } },
  { channels: [] },
  { channels: { telegram: "yes" } },
  { discovery: { enabled: "no" }, heartbeat: { intervalMs: -1 }, $schema: 1 },
];

test("every config part has a precompiled validator after the build", () => {
  const { channels } = configSchemaParts();
  for (const part of ["base", ...Object.keys(channels)]) {
    assert.ok(existsSync(new URL(precompiledValidatorFile(part), new URL("../../sidecar/dist/config/", import.meta.url))), `${part} is precompiled`);
  }
});

test("precompiled validators report the same problems as the whole schema compiled at run time", () => {
  const whole = new Ajv(CONFIG_AJV_OPTIONS).compile(ConfigFileSchema);
  for (const file of FILES) {
    const precompiled = configProblems(file);
    const compiled = configProblems(file, compileConfigValidator);
    assert.deepEqual([...precompiled].sort(), [...compiled].sort(), JSON.stringify(file));
    assert.equal(precompiled.length === 0, whole(file), `valid exactly when the whole schema says so: ${JSON.stringify(file)}`);
  }
  assert.ok(configProblems(FILES[3]).some((p) => /channels\.telegram\.dmPolicy must be one of/.test(p)));
  assert.ok(configProblems(FILES[4]).some((p) => /^channels\.nope is not a setting of channels/.test(p)));
});
