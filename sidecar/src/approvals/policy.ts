import { homedir } from "node:os";
import { createRequire } from "node:module";
import type { ExecAsk, ExecApprovalsFile, ExecSecurity } from "@clawdbot/protocol";

/** The policy that applies to one agent: the file's defaults overlaid with that agent's entry. */
export interface ExecPolicy {
  security: ExecSecurity;
  ask: ExecAsk;
  askFallback: ExecSecurity;
  allowlist: string[];
}

/** Without a policy file nothing extra is enforced: the host's own program allowlist still applies. */
export const OPEN_POLICY: Readonly<Omit<ExecPolicy, "allowlist">> = { security: "full", ask: "off", askFallback: "deny" };

export const DEFAULT_AGENT_ID = "main";

/** Resolves the policy for `agentId` (agents["*"] applies to every agent without its own entry). */
export function policyFor(file: ExecApprovalsFile, agentId: string = DEFAULT_AGENT_ID): ExecPolicy {
  const agent = file.agents?.[agentId] ?? file.agents?.["*"];
  const pick = <K extends "security" | "ask" | "askFallback">(k: K) => agent?.[k] ?? file.defaults?.[k] ?? OPEN_POLICY[k];
  return {
    security: pick("security"),
    ask: pick("ask"),
    askFallback: pick("askFallback"),
    allowlist: (agent?.allowlist ?? []).map((e) => e.pattern),
  };
}

/** What to do with a program before running it. */
export type ExecVerdict = { action: "run" } | { action: "ask" } | { action: "refuse"; why: string };

/** Decides for a program at `resolvedPath` under `policy` (before any operator was asked). */
export function judge(policy: ExecPolicy, resolvedPath: string): ExecVerdict {
  if (policy.security === "deny") return { action: "refuse", why: "the exec policy is security: deny" };
  if (policy.ask === "always") return { action: "ask" };
  if (policy.security === "full" || allowlisted(policy.allowlist, resolvedPath)) return { action: "run" };
  if (policy.ask === "on-miss") return { action: "ask" };
  return { action: "refuse", why: `${resolvedPath} is not on the exec policy's allowlist` };
}

/** What a request nobody answered becomes: askFallback decides (full runs, allowlist runs covered programs, deny refuses). */
export function fallback(policy: ExecPolicy, resolvedPath: string): ExecVerdict {
  if (policy.askFallback === "full") return { action: "run" };
  if (policy.askFallback === "allowlist" && allowlisted(policy.allowlist, resolvedPath)) return { action: "run" };
  return { action: "refuse", why: "no operator approved it in time" };
}

// minimatch is required with the first path matched, not imported: a gateway that never runs a command never needs it.
const require = createRequire(import.meta.url);

/** True when a glob of the allowlist covers the path (`~` is the home directory). */
export function allowlisted(patterns: readonly string[], resolvedPath: string): boolean {
  const { minimatch } = require("minimatch") as typeof import("minimatch");
  return patterns.some((p) => minimatch(resolvedPath, expandHome(p), { dot: true, nocomment: true, nonegate: true }));
}

function expandHome(pattern: string): string {
  return pattern === "~" || pattern.startsWith("~/") ? homedir() + pattern.slice(1) : pattern;
}

/** The file with `resolvedPath` added to (or refreshed in) `agentId`'s allowlist, after an allow-always. */
export function withAllowed(file: ExecApprovalsFile, agentId: string, resolvedPath: string, command: string, now: number): ExecApprovalsFile {
  const agents = { ...(file.agents ?? {}) };
  const agent = { ...(agents[agentId] ?? {}) };
  const list = [...(agent.allowlist ?? [])];
  const used = { lastUsedAt: now, lastUsedCommand: command, lastResolvedPath: resolvedPath };
  const at = list.findIndex((e) => e.pattern === resolvedPath);
  if (at >= 0) list[at] = { ...list[at]!, ...used };
  else list.push({ pattern: resolvedPath, ...used });
  agent.allowlist = list;
  agents[agentId] = agent;
  return { ...file, agents };
}
