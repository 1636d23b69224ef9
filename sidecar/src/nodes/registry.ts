import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import type { NodeInfoSchema } from "@clawdbot/protocol";
import { LockedJsonFile } from "../store/locked-json.js";
import { effectiveCommands } from "./allowlist.js";

export type NodeInfo = Static<typeof NodeInfoSchema>;

/** What the gateway needs from a node's live connection. */
export interface NodeLink {
  readonly connId: string;
  sendEvent(event: string, payload: unknown): void;
}

export interface NodeClaims {
  nodeId: string;
  displayName?: string;
  platform?: string;
  version?: string;
  deviceFamily?: string;
  modelIdentifier?: string;
  caps: string[];
  commands: string[];
  permissions: Record<string, boolean>;
  remoteIp?: string;
}

type AllowConfig = { allowCommands: readonly string[]; denyCommands: readonly string[] };

const NamesSchema = Type.Object(
  { version: Type.Literal(1), names: Type.Record(Type.String(), Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);

interface Entry {
  claims: NodeClaims;
  link: NodeLink | undefined;
  connectedAtMs: number | undefined;
  lastSeenAtMs: number;
}

/** Nodes seen since start, their live links, and display names persisted in `<stateDir>/nodes/names.json`. */
export class NodeRegistry {
  private readonly entries = new Map<string, Entry>();

  private allow: () => AllowConfig = () => ({ allowCommands: [], denyCommands: [] });

  private constructor(
    private readonly names: LockedJsonFile<typeof NamesSchema>,
    private readonly now: () => number,
  ) {}

  static async open(stateDir: string, now: () => number): Promise<NodeRegistry> {
    const names = await LockedJsonFile.open(join(stateDir, "nodes", "names.json"), NamesSchema, () => ({ version: 1 as const, names: {} }));
    return new NodeRegistry(names, now);
  }

  /** Where the current allow/deny config lives (it follows config reloads). */
  bindAllowlist(current: () => AllowConfig): void {
    this.allow = current;
  }

  /** A node connected (a second socket of the same node replaces the first link). */
  attach(claims: NodeClaims, link: NodeLink): void {
    this.entries.set(claims.nodeId, { claims, link, connectedAtMs: this.now(), lastSeenAtMs: this.now() });
  }

  /** The node's socket closed; returns true when it was the current link. */
  detach(nodeId: string, connId: string): boolean {
    const e = this.entries.get(nodeId);
    if (!e || e.link?.connId !== connId) return false;
    e.link = undefined;
    e.connectedAtMs = undefined;
    e.lastSeenAtMs = this.now();
    return true;
  }

  /** The live link of a connected node. */
  link(nodeId: string): NodeLink | undefined {
    return this.entries.get(nodeId)?.link;
  }

  /** Commands the gateway will route to this node. */
  commands(nodeId: string): string[] {
    const e = this.entries.get(nodeId);
    return e ? effectiveCommands(e.claims.platform, e.claims.commands, this.allow()) : [];
  }

  describe(nodeId: string): NodeInfo | undefined {
    const e = this.entries.get(nodeId);
    if (!e) return undefined;
    const c = e.claims;
    const name = this.names.data.names[nodeId] ?? c.displayName;
    return {
      nodeId,
      ...(name ? { displayName: name } : {}),
      ...(c.platform ? { platform: c.platform } : {}),
      ...(c.version ? { version: c.version } : {}),
      ...(c.deviceFamily ? { deviceFamily: c.deviceFamily } : {}),
      ...(c.modelIdentifier ? { modelIdentifier: c.modelIdentifier } : {}),
      caps: c.caps,
      commands: this.commands(nodeId),
      declaredCommands: c.commands,
      permissions: c.permissions,
      connected: e.link !== undefined,
      ...(e.connectedAtMs !== undefined ? { connectedAtMs: e.connectedAtMs } : {}),
      lastSeenAtMs: e.lastSeenAtMs,
      ...(c.remoteIp ? { remoteIp: c.remoteIp } : {}),
    };
  }

  list(): NodeInfo[] {
    return [...this.entries.keys()].map((id) => this.describe(id)!);
  }

  /** Persists a display name. */
  async rename(nodeId: string, displayName: string): Promise<boolean> {
    if (!this.entries.has(nodeId) && this.names.data.names[nodeId] === undefined) return false;
    await this.names.mutate((doc) => {
      doc.names[nodeId] = displayName;
    });
    return true;
  }

  /** Marks a node as alive now. */
  seen(nodeId: string): void {
    const e = this.entries.get(nodeId);
    if (e) e.lastSeenAtMs = this.now();
  }
}
