import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import { NodeCommandError } from "./errors.js";
import type { ProgramAllowlist } from "./program-allowlist.js";
import type { PermissionName } from "@clawdbot/protocol/companion";
import { permissionFor, type PermissionProbe } from "../permissions/probe.js";

/**
 * macOS device commands. Declared only on darwin, only when the permission probe reports the
 * permission granted, and only when the capture tool is present: `screencapture` (built in) for
 * screen.record, `imagesnap` for camera.snap, `CoreLocationCLI` for location.get. Each command left
 * out is reported with its reason.
 */
export interface DarwinDevice {
  caps: string[];
  commands: string[];
  permissions: Record<string, boolean>;
  handlers: Record<string, (params: unknown) => Promise<unknown>>;
  leftOut: LeftOut[];
}

/** A command this Mac could offer but does not, and why. */
export interface LeftOut {
  command: string;
  reason: string;
}

const SCREEN_RECORD = Type.Object({ durationMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 60_000 })) });

/** What this Mac allows; undefined off darwin. */
export function loadDarwinDevice(platform: NodeJS.Platform, which: ProgramAllowlist["which"], probe: PermissionProbe): DarwinDevice | undefined {
  if (platform !== "darwin") return undefined;
  const states = new Map(probe.check().map((p) => [p.name, p]));
  const granted = (name: PermissionName) => states.get(name)?.status === "granted";
  const permissions = { "screen.record": granted("screen-recording"), "camera.capture": granted("camera"), location: granted("location") };
  const device: DarwinDevice = { caps: [], commands: [], permissions, handlers: {}, leftOut: [] };
  const offer = (cap: string, command: string, tool: string | undefined, toolName: string, fn: (tool: string) => (params: unknown) => Promise<unknown>) => {
    const spec = permissionFor(command)!;
    const status = states.get(spec.name)?.status ?? "unknown";
    if (status !== "granted") {
      const why = probe.unavailable ?? `${spec.label} permission is ${status.replace("-", " ")}; grant it in System Settings → Privacy & Security → ${spec.label}`;
      device.leftOut.push({ command, reason: why });
    } else if (tool === undefined) {
      device.leftOut.push({ command, reason: `${toolName} is not on PATH (brew install ${toolName.toLowerCase()})` });
    } else add(device, cap, command, fn(tool));
  };
  offer("screen", "screen.record", "/usr/sbin/screencapture", "screencapture", (t) => (p) => screenRecord(t, p));
  offer("camera", "camera.snap", which("imagesnap"), "imagesnap", (t) => () => cameraSnap(t));
  offer("location", "location.get", which("CoreLocationCLI"), "CoreLocationCLI", (t) => () => locationGet(t));
  return device;
}

function add(d: DarwinDevice, cap: string, command: string, fn: (params: unknown) => Promise<unknown>): void {
  if (!d.caps.includes(cap)) d.caps.push(cap);
  d.commands.push(command);
  d.handlers[command] = fn;
}

async function screenRecord(tool: string, raw: unknown): Promise<unknown> {
  const res = check(SCREEN_RECORD, raw ?? {});
  if (!res.ok) throw new NodeCommandError("INVALID_REQUEST", `screen.record needs {durationMs?}: ${formatIssues(res.issues)}`);
  const seconds = Math.ceil((res.value.durationMs ?? 5000) / 1000);
  return withTempFile("screen.mov", async (file) => {
    await run(tool, ["-x", "-v", "-V", String(seconds), file], seconds * 1000 + 15_000);
    return { format: "mov", base64: (await readFile(file)).toString("base64"), durationMs: seconds * 1000 };
  });
}

async function cameraSnap(tool: string): Promise<unknown> {
  return withTempFile("camera.jpg", async (file) => {
    await run(tool, ["-q", "-w", "1", file], 20_000);
    return { format: "jpg", base64: (await readFile(file)).toString("base64") };
  });
}

async function locationGet(tool: string): Promise<unknown> {
  const out = await run(tool, ["-json"], 20_000);
  try {
    return JSON.parse(out) as unknown;
  } catch {
    throw new NodeCommandError("UNAVAILABLE", `location.get: ${tool} printed no JSON`);
  }
}

async function withTempFile<T>(name: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-node-"));
  try {
    return await fn(join(dir, name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(tool: string, args: string[], timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { timeout, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new NodeCommandError("UNAVAILABLE", `${tool} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}
