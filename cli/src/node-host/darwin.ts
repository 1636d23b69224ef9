import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { check, formatIssues } from "@clawdbot/protocol";
import { NodeCommandError } from "./errors.js";
import type { ProgramAllowlist } from "./program-allowlist.js";

/**
 * macOS device commands. Declared only on darwin, only when the optional `node-mac-permissions`
 * package loads (it is a native addon built on macOS; npm skips it elsewhere) and reports the
 * permission as authorized, and only when the capture tool is present: `screencapture` (built in)
 * for screen.record, `imagesnap` for camera.snap, `CoreLocationCLI` for location.get.
 * Not exercised by the Linux test suite.
 */
export interface DarwinDevice {
  caps: string[];
  commands: string[];
  permissions: Record<string, boolean>;
  handlers: Record<string, (params: unknown) => Promise<unknown>>;
}

type MacPermissions = { getAuthStatus(type: string): string };

const SCREEN_RECORD = Type.Object({ durationMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 60_000 })) });

/** Loads what this Mac allows; undefined off darwin or without node-mac-permissions. */
export async function loadDarwinDevice(platform: NodeJS.Platform, which: ProgramAllowlist["which"]): Promise<DarwinDevice | undefined> {
  if (platform !== "darwin") return undefined;
  let perms: MacPermissions;
  try {
    const name = "node-mac-permissions";
    const mod = (await import(name)) as { default?: MacPermissions } & MacPermissions;
    perms = mod.default ?? mod;
  } catch {
    return undefined;
  }
  const granted = (type: string) => {
    try {
      return perms.getAuthStatus(type) === "authorized";
    } catch {
      return false;
    }
  };
  const permissions = { "screen.record": granted("screen"), "camera.capture": granted("camera"), location: granted("location") };
  const device: DarwinDevice = { caps: [], commands: [], permissions, handlers: {} };
  const screencapture = "/usr/sbin/screencapture";
  if (permissions["screen.record"]) add(device, "screen", "screen.record", (p) => screenRecord(screencapture, p));
  const imagesnap = which("imagesnap");
  if (permissions["camera.capture"] && imagesnap) add(device, "camera", "camera.snap", () => cameraSnap(imagesnap));
  const corelocation = which("CoreLocationCLI");
  if (permissions.location && corelocation) add(device, "location", "location.get", () => locationGet(corelocation));
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
