// Frame plans drawn from the generated protocol schema: a request for any declared method (or an
// unknown one) with schema-valid params, or connect params, each with a list of mutations. Plans
// are data; the driver turns them into bytes once it knows ids, nonces and keys.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc, { type Arbitrary } from "fast-check";
import { schemaArbitrary, type Hints, type JsonSchema } from "./schema-arbitrary.js";
import { mutationsArb, type Mutation } from "./mutate.js";

const SCHEMA_PATH = fileURLToPath(new URL("../../protocol/generated/protocol.schema.json", import.meta.url));

export interface MethodMeta {
  scope: string;
  roles: string[];
  idempotency: string;
  twoPhase?: boolean;
}

export interface ProtocolDocument {
  methods: Record<string, MethodMeta>;
  definitions: Record<string, JsonSchema>;
}

/** The schema document the protocol package generates (what clients validate against). */
export function loadProtocolDocument(): ProtocolDocument {
  return JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as ProtocolDocument;
}

export interface RequestPlan {
  method: string;
  /** undefined: the frame has no params key. */
  params: unknown;
  mutations: Mutation[];
}

export interface ConnectPlan {
  /** Connect params drawn from the schema (unsigned, mostly refused). */
  params: unknown;
  /** Graft a real signature (and its signed fields) over the drawn params, so the connect gets through. */
  signed: boolean;
  role: "operator" | "node";
  scopes: string[];
  mutations: Mutation[];
}

const NODE_METHODS = ["node.invoke.result", "node.event"];
const UNKNOWN_METHODS = ["connect", "nope", "__proto__", "constructor", "Health", "health ", "node.invoke.request", "hasOwnProperty", ""];

/** Values that send requests past "not found": ids of the run's own nodes and devices, real names. */
export function fuzzHints(nodeIds: readonly string[], deviceIds: readonly string[]): Hints {
  const pick = (xs: readonly string[]) => fc.constantFrom(...xs);
  return {
    nodeId: pick(nodeIds),
    deviceId: pick([...deviceIds, ...nodeIds]),
    role: pick(["operator", "node"]),
    scopes: fc.subarray(["operator.read", "operator.write", "operator.admin", "operator.approvals", "operator.pairing"]),
    command: pick(["system.run", "system.which", "canvas.present", "camera.snap", "screen.record", "location.get", "fuzz.echo"]),
    sessionKey: pick(["main", "agent:main:main", "fuzz", "agent:main:fuzz:1"]),
    session: pick(["fuzz", "main", "a.b", "x_y-z"]),
    channel: pick(["whatsapp", "telegram", "webchat", "slack", "nope"]),
  };
}

/** Arbitraries of request and connect plans for one run. */
export class FramePlans {
  readonly request: Arbitrary<RequestPlan>;
  /** Requests a node would send: mostly node methods. */
  readonly nodeRequest: Arbitrary<RequestPlan>;
  readonly connect: Arbitrary<ConnectPlan>;
  readonly methods: string[];

  constructor(doc: ProtocolDocument, hints: Hints) {
    this.methods = Object.keys(doc.methods);
    const forMethod = (m: string): Arbitrary<RequestPlan> => {
      const schema = doc.definitions[`method:${m}:params`];
      if (!schema) throw new Error(`no params schema for ${m}`);
      const params = fc.oneof({ weight: 12, arbitrary: schemaArbitrary(schema, hints) }, { weight: 1, arbitrary: fc.constant(undefined) });
      return fc.record({ method: fc.constant(m), params, mutations: mutationsArb });
    };
    const byMethod = this.methods.map(forMethod);
    const unknown = fc.record({ method: fc.oneof(fc.constantFrom(...UNKNOWN_METHODS), fc.string({ maxLength: 20 })), params: fc.jsonValue({ maxDepth: 2 }), mutations: mutationsArb });
    this.request = fc.oneof({ weight: 20, arbitrary: fc.oneof(...byMethod) }, { weight: 1, arbitrary: unknown });
    this.nodeRequest = fc.oneof(
      { weight: 4, arbitrary: fc.oneof(...NODE_METHODS.map(forMethod)) },
      { weight: 1, arbitrary: this.request },
    );
    const connectSchema = doc.definitions["ConnectParams"];
    if (!connectSchema) throw new Error("no ConnectParams schema");
    this.connect = fc.record({
      params: schemaArbitrary(connectSchema, hints),
      signed: fc.boolean(),
      role: fc.constantFrom("operator" as const, "node" as const),
      scopes: fc.subarray(["operator.read", "operator.write", "operator.admin", "operator.approvals", "operator.pairing", "node.x", ""]),
      mutations: mutationsArb,
    });
  }
}

const NAT = fc.nat({ max: 1_000_000 });

/** Draws values from arbitraries in seeded batches (fast-check's sampler, reproducible per seed). */
export class Draw {
  private readonly buffers = new Map<Arbitrary<unknown>, unknown[]>();
  private batch = 0;

  constructor(private readonly seed: number) {}

  next<T>(arb: Arbitrary<T>): T {
    let buf = this.buffers.get(arb) as T[] | undefined;
    if (!buf || buf.length === 0) {
      buf = fc.sample(arb, { seed: (this.seed + this.batch++ * 7919) | 0, numRuns: 200 });
      this.buffers.set(arb, buf);
    }
    return buf.pop() as T;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return this.next(NAT) % n;
  }
}
