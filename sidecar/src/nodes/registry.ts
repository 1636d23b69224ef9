import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import type { NodeInfoSchema } from "@clawdbot/protocol";
import type { Logger } from "pino";
import { LockedJsonFile } from "../store/locked-json.js";
import { effectiveCommands } from "./allowlist.js";

/** A node as the registry knows it; pairing (`paired`) is added by whoever holds the pairing stores. */
export type NodeInfo = Omit<Static<typeof NodeInfoSchema>, "paired">;

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

/** What is remembered of a node after it disconnects, so lists and renames survive a restart. */
const SeenNodeSchema = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1 })),
    platform: Type.Optional(Type.String({ minLength: 1 })),
    version: Type.Optional(Type.String({ minLength: 1 })),
    caps: Type.Array(Type.String()),
    lastSeenAtMs: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const NamesSchema = Type.Object(
  {
    version: Type.Literal(1),
    names: Type.Record(Type.String(), Type.String({ minLength: 1 })),
    seen: Type.Optional(Type.Record(Type.String(), SeenNodeSchema)),
  },
  { additionalProperties: false },
);

interface Entry {
  claims: NodeClaims;
  link: NodeLink | undefined;
  connectedAtMs: number | undefined;
  lastSeenAtMs: number;
}

/**
 * Every node the gateway has seen (remembered across restarts), their live links, and display
 * names, persisted in `<stateDir>/nodes/names.json`.
 */
export class NodeRegistry {
  private readonly entries = new Map<string, Entry>();
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  private allow: () => AllowConfig = () => ({ allowCommands: [], denyCommands: [] });

  private constructor(
    private readonly names: LockedJsonFile<typeof NamesSchema>,
    private readonly now: () => number,
    private readonly log: Pick<Logger, "warn"> | undefined,
  ) {}

  static async open(stateDir: string, now: () => number, log?: Pick<Logger, "warn">): Promise<NodeRegistry> {
    const names = await LockedJsonFile.open(join(stateDir, "nodes", "names.json"), NamesSchema, () => ({ version: 1 as const, names: {} }));
    const registry = new NodeRegistry(names, now, log);
    for (const [nodeId, seen] of Object.entries(names.data.seen ?? {})) {
      const claims: NodeClaims = {
        nodeId,
        caps: seen.caps,
        commands: [],
        permissions: {},
        ...(seen.displayName ? { displayName: seen.displayName } : {}),
        ...(seen.platform ? { platform: seen.platform } : {}),
        ...(seen.version ? { version: seen.version } : {}),
      };
      registry.entries.set(nodeId, { claims, link: undefined, connectedAtMs: undefined, lastSeenAtMs: seen.lastSeenAtMs });
    }
    return registry;
  }

  /** Where the current allow/deny config lives (it follows config reloads). */
  bindAllowlist(current: () => AllowConfig): void {
    this.allow = current;
  }

  /** A node connected (a second socket of the same node replaces the first link); it is remembered from now on. */
  attach(claims: NodeClaims, link: NodeLink): void {
    this.entries.set(claims.nodeId, { claims, link, connectedAtMs: this.now(), lastSeenAtMs: this.now() });
    this.remember(claims.nodeId);
  }

  /** The node's socket closed; returns true when it was the current link. */
  detach(nodeId: string, connId: string): boolean {
    const e = this.entries.get(nodeId);
    if (!e || e.link?.connId !== connId) return false;
    e.link = undefined;
    e.connectedAtMs = undefined;
    e.lastSeenAtMs = this.now();
    this.remember(nodeId);
    return true;
  }

  /** Writes what is known of a node in the background (a failed write only costs the memory of it, never the connection). */
  private remember(nodeId: string): void {
    const e = this.entries.get(nodeId);
    if (!e || this.closed) return;
    const c = e.claims;
    const seen = {
      caps: c.caps,
      lastSeenAtMs: e.lastSeenAtMs,
      ...(c.displayName ? { displayName: c.displayName } : {}),
      ...(c.platform ? { platform: c.platform } : {}),
      ...(c.version ? { version: c.version } : {}),
    };
    this.writes = this.writes
      .then(() =>
        this.names.mutate((doc) => {
          doc.seen = { ...doc.seen, [nodeId]: seen };
        }),
      )
      .catch((err: unknown) => this.log?.warn({ err, nodeId }, "could not remember the node in nodes/names.json"));
  }

  /** Stops remembering and resolves once the background writes are done (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    let pending: Promise<void>;
    do {
      pending = this.writes;
      await pending;
    } while (pending !== this.writes);
  }

  /** How many nodes have a live link now. */
  get linkCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.link !== undefined) n++;
    return n;
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
      ...(c.version ? { version: c.version, coreVersion: c.version } : {}),
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
