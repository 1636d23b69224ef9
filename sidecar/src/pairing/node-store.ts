import { join } from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { digest, secretMatches } from "../auth/secret.js";
import { LockedJsonFile } from "../store/locked-json.js";
import { livePending, own, prunePending } from "./records.js";
import { NodePairingFileSchema, type NodePairingFile, type NodePending, type PairedNode } from "./schema.js";

export type NodeClaim = Omit<NodePending, "requestId" | "ts">;

const emptyFile = (): NodePairingFile => ({ version: 1, paired: {}, pending: {} });

/** Node pairing requests and paired nodes with hashed tokens, in `<stateDir>/nodes/pairing.json`. */
export class NodePairingStore {
  private constructor(
    private readonly file: LockedJsonFile<typeof NodePairingFileSchema>,
    private readonly now: () => number,
  ) {}

  static async open(stateDir: string, now: () => number): Promise<NodePairingStore> {
    const file = await LockedJsonFile.open(join(stateDir, "nodes", "pairing.json"), NodePairingFileSchema, emptyFile);
    return new NodePairingStore(file, now);
  }

  /** Resolves once every change asked for so far is on disk (the gateway stops only after). */
  settled(): Promise<void> {
    return this.file.settled();
  }

  listPending(): NodePending[] {
    return livePending(this.file.data.pending, this.now());
  }

  listPaired(): PairedNode[] {
    return Object.values(this.file.data.paired);
  }

  getPending(requestId: string): NodePending | undefined {
    return this.listPending().find((r) => r.requestId === requestId);
  }

  /** Files a request, reusing an open one for the same node id. */
  request(claim: NodeClaim): Promise<{ request: NodePending; created: boolean }> {
    return this.mutate((doc) => {
      const existing = Object.values(doc.pending).find((r) => r.nodeId === claim.nodeId);
      if (existing) return { request: existing, created: false };
      const request: NodePending = { ...claim, requestId: randomUUID(), ts: this.now() };
      doc.pending[request.requestId] = request;
      return { request, created: true };
    });
  }

  /** Approves: the node is paired and gets a token, returned once. */
  approve(requestId: string): Promise<{ request: NodePending; node: PairedNode; token: string } | undefined> {
    return this.mutate((doc) => {
      const request = own(doc.pending, requestId);
      if (!request) return undefined;
      delete doc.pending[requestId];
      const token = randomBytes(32).toString("base64url");
      const now = this.now();
      const { requestId: _r, ts: _t, silent: _s, ...info } = request;
      const prev = own(doc.paired, request.nodeId);
      const node: PairedNode = { ...info, tokenHash: digest(token).toString("hex"), createdAtMs: prev?.createdAtMs ?? now, approvedAtMs: now };
      doc.paired[request.nodeId] = node;
      return { request, node, token };
    });
  }

  reject(requestId: string): Promise<NodePending | undefined> {
    return this.mutate((doc) => {
      const request = own(doc.pending, requestId);
      if (request) delete doc.pending[requestId];
      return request;
    });
  }

  /** Constant-time token check. */
  verify(nodeId: string, token: string): PairedNode | undefined {
    const node = own(this.file.data.paired, nodeId);
    if (!node || !secretMatches(token, Buffer.from(node.tokenHash, "hex"))) return undefined;
    return node;
  }

  private mutate<T>(fn: (doc: NodePairingFile) => T): Promise<T> {
    return this.file.mutate((doc) => {
      prunePending(doc.pending, this.now());
      return fn(doc);
    });
  }
}
