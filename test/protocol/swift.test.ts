// The Swift side of the protocol: generated models drift-checked against the JSON Schema, every
// committed .swift file parsed with the tree-sitter Swift grammar, and the emitter's output shape.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { emitSwift } from "../../protocol/scripts/swift/emit.js";
import { staleSwiftFiles } from "../../protocol/scripts/swift/models.js";
import { swiftSyntaxIssues } from "../../protocol/scripts/swift/syntax.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const GENERATED = join(ROOT, "protocol", "generated");
const SCRIPTS = join(ROOT, "protocol", "dist", "scripts");

function script(name: string, ...args: string[]) {
  return spawnSync(process.execPath, [join(SCRIPTS, name), ...args], { cwd: ROOT, encoding: "utf8" });
}

test("the committed Swift models are what the committed JSON Schema gives", () => {
  assert.deepEqual(staleSwiftFiles(GENERATED), []);
  const gateway = spawnSync("git", ["ls-files", "protocol/generated/swift"], { cwd: ROOT, encoding: "utf8" }).stdout;
  for (const file of ["GatewayModels.swift", "CompanionModels.swift"]) assert.match(gateway, new RegExp(file), `${file} is not committed`);
});

test("a schema change without regenerating fails the drift check, naming the file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-swift-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(GENERATED, dir, { recursive: true });
  const path = join(dir, "protocol.schema.json");
  const doc = JSON.parse(await readFile(path, "utf8")) as { definitions: Record<string, unknown> };
  doc.definitions["Extra"] = { type: "object", additionalProperties: false, required: ["a"], properties: { a: { type: "string" } } };
  await writeFile(path, JSON.stringify(doc));
  const res = script("gen-swift.js", "check", dir);
  assert.equal(res.status, 1, res.stdout + res.stderr);
  assert.match(res.stderr, /GatewayModels\.swift is out of date/);
  assert.doesNotMatch(res.stderr, /CompanionModels/);
  assert.equal(script("gen-swift.js", "write", dir).status, 0);
  assert.equal(script("gen-swift.js", "check", dir).status, 0);
  assert.match(await readFile(join(dir, "swift", "GatewayModels.swift"), "utf8"), /public struct Extra: Codable, Sendable, Equatable \{\n {4}public let a: String\n/);
});

test("every committed .swift file parses without an ERROR or MISSING node", () => {
  const res = script("check-swift.js");
  assert.equal(res.status, 0, res.stderr);
  const files = spawnSync("git", ["ls-files", "*.swift"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  assert.ok(files.length >= 2, `expected the generated models at least, got ${files.join(", ")}`);
  assert.match(res.stdout, /parse without errors/);
});

test("a broken Swift snippet fails the checker with file, line and column", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-swift-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "Broken.swift");
  await writeFile(file, "import Foundation\n\npublic struct Broken {\n    public let a: Int =\n}\n");
  const res = script("check-swift.js", file);
  assert.equal(res.status, 1, res.stdout);
  assert.match(res.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4:\\d+: ERROR`));
  assert.match(res.stderr, /1 of 1 Swift file\(s\) do not parse/);

  const missing = await swiftSyntaxIssues("func f() {\n    let x = [1, 2\n}\n", "Missing.swift");
  assert.ok(missing.length > 0);
  assert.ok(missing.every((i) => i.file === "Missing.swift" && i.line >= 1 && i.column >= 1));
  assert.deepEqual(await swiftSyntaxIssues("let ok = [1, 2]\n", "Ok.swift"), []);
});

const COLOR = { anyOf: [{ const: "red", type: "string" }, { const: "dark-blue", type: "string" }, { const: "default", type: "string" }] };
const THING = {
  type: "object",
  additionalProperties: false,
  required: ["kind", "default", "x-y", "color", "nullable"],
  properties: {
    kind: { const: "thing", type: "string" },
    default: { type: "integer" },
    "x-y": { type: "number" },
    color: COLOR,
    nullable: { anyOf: [{ type: "string" }, { type: "null" }] },
    extra: {},
    tags: { type: "array", items: { type: "object", additionalProperties: false, required: ["n"], properties: { n: { type: "boolean" } } } },
    map: { type: "object", patternProperties: { "^(.*)$": { type: "boolean" } } },
    open: { type: "object", additionalProperties: true, properties: {} },
  },
};
const OTHER = { type: "object", additionalProperties: false, required: ["kind"], properties: { kind: { const: "other", type: "string" } } };

test("the emitter: structs, enums, optional fields, escaped names, tagged unions, AnyCodable once", async () => {
  const source = emitSwift({
    header: ["// header"],
    constants: [{ name: "SAMPLE_VERSION", value: 7, doc: "sample" }],
    withRuntime: true,
    nameOf: (k) => k,
    definitions: { Color: COLOR, Thing: THING, Other: OTHER, Frame: { anyOf: [THING, OTHER] }, Maybe: { anyOf: [OTHER, { type: "null" }] } },
  });
  assert.equal(source.match(/public enum AnyCodable/g)?.length, 1);
  assert.match(source, /public let SAMPLE_VERSION = 7/);
  assert.match(source, /public enum Color: String, Codable, Sendable, CaseIterable \{\n {4}case red\n {4}case darkBlue = "dark-blue"\n {4}case `default`\n\}/);
  assert.match(source, /public let `default`: Int\n/);
  assert.match(source, /public let xY: Double\n/);
  assert.match(source, /public let color: Color\n/, "a nested copy of a top-level enum reuses its name");
  assert.match(source, /public let nullable: String\?\n/);
  assert.match(source, /public let extra: AnyCodable\?\n/);
  assert.match(source, /public let tags: \[ThingTag\]\?\n/);
  assert.match(source, /public let map: \[String: Bool\]\?\n/);
  assert.match(source, /public let `open`: \[String: AnyCodable\]\?\n/);
  assert.match(source, /public init\(kind: String = "thing", `default`: Int, xY: Double, color: Color, nullable: String\? = nil, extra: AnyCodable\? = nil/);
  assert.match(source, /private enum CodingKeys: String, CodingKey \{\n {8}case kind\n {8}case `default`\n {8}case xY = "x-y"\n/);
  assert.doesNotMatch(source.slice(source.indexOf("public struct Other"), source.indexOf("public enum Frame")), /CodingKeys/, "no CodingKeys when every name is plain");
  assert.match(source, /public enum Frame: Codable, Sendable, Equatable \{\n {4}case thing\(Thing\)\n {4}case other\(Other\)\n/);
  assert.match(source, /case unknown\(kind: String, raw: \[String: AnyCodable\]\)/);
  assert.match(source, /public typealias Maybe = Other\?\n/);
  assert.deepEqual(await swiftSyntaxIssues(source, "Sample.swift"), []);
});

test("GatewayModels.swift: frame enum on `type`, error codes, protocol version, header", async () => {
  const text = await readFile(join(GENERATED, "swift", "GatewayModels.swift"), "utf8");
  assert.match(text, /^\/\/ GENERATED by `npm run protocol:gen` .* Do not edit\./);
  assert.match(text, /public let GATEWAY_PROTOCOL_VERSION = 3\n/);
  assert.match(text, /public enum ErrorCode: String, Codable, Sendable, CaseIterable \{\n {4}case invalidRequest = "INVALID_REQUEST"\n {4}case notPaired = "NOT_PAIRED"/);
  assert.match(text, /public enum GatewayFrame: Codable, Sendable, Equatable \{\n {4}case req\(RequestFrame\)\n {4}case res\(ResponseFrame\)\n {4}case event\(EventFrame\)\n/);
  assert.match(text, /case unknown\(type: String, raw: \[String: AnyCodable\]\)/);
  assert.match(text, /let tag = try container.decode\(String.self, forKey: .type\)/);
  assert.match(text, /public struct HelloOk: Codable, Sendable, Equatable \{/);
  assert.match(text, /public let snapshot: Snapshot\n/);
  assert.match(text, /public let presence: \[PresenceEntry\]\n/, "nested copies of named definitions reuse their names");
  const companion = await readFile(join(GENERATED, "swift", "CompanionModels.swift"), "utf8");
  assert.doesNotMatch(companion, /enum AnyCodable/, "AnyCodable is emitted once per module");
  assert.match(companion, /public enum ShellMessage: Codable, Sendable, Equatable \{\n {4}case hello\(HelloMessage\)\n {4}case click\(ClickMessage\)\n {4}case notificationAction\(NotificationActionMessage\)\n/);
  assert.match(companion, /case "open-url": self = .openUrl\(try OpenUrlMessage\(from: decoder\)\)/);
});

test("macos/Package.swift offers the generated models as the ClawdbotProtocol library", async () => {
  const manifest = await readFile(join(ROOT, "macos", "Package.swift"), "utf8");
  assert.match(manifest, /\.library\(name: "ClawdbotProtocol", targets: \["ClawdbotProtocol"\]\)/);
  assert.match(manifest, /\.target\(name: "ClawdbotProtocol", path: "Sources\/ClawdbotProtocol"\)/);
  // The target folder is a link to the generated files (SwiftPM refuses paths outside the package).
  assert.equal(await realpath(join(ROOT, "macos", "Sources", "ClawdbotProtocol")), await realpath(join(GENERATED, "swift")));
});
