// What the gateway promises about every frame it sends back, checked per connection: strict
// response/event frames, one answer per request id that was sent (two for two-phase methods),
// error codes from the protocol's enum, results that match the method's result schema, and no
// success for params the method's schema refuses.
import {
  ERROR_CODES,
  EVENTS,
  EventFrameSchema,
  HelloOkSchema,
  METHODS,
  ResponseFrameSchema,
  check,
  formatIssues,
  isMethodName,
  isOptionalSchema,
} from "@clawdbot/protocol";

export type FindingKind =
  | "crash"
  | "uncaught-exception"
  | "unhandled-rejection"
  | "logged-error"
  | "not-json"
  | "off-schema-response"
  | "off-schema-event"
  | "unknown-id"
  | "duplicate-response"
  | "bad-error-code"
  | "result-off-schema"
  | "accepted-invalid-params"
  | "unanswered"
  | "bad-close";

export interface Finding {
  kind: FindingKind;
  detail: string;
  /** The frame that was sent (or received), cut to a readable length. */
  frame?: string;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);
const isEventName = (n: string): n is keyof typeof EVENTS => Object.prototype.hasOwnProperty.call(EVENTS, n);

/** Cuts a frame for a report line. */
export function excerpt(frame: string | Buffer, max = 400): string {
  const s = typeof frame === "string" ? frame : `<bytes> ${frame.toString("latin1")}`;
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

/** One frame sent under an id. */
interface Send {
  method: unknown;
  /** Whether the params satisfy the method's schema (undefined: not a known method). */
  paramsValid: boolean | undefined;
}

/**
 * Everything sent under one id. Mutations can make frames share an id (a duplicated or swapped
 * `id` key), and answers come back in any order, so an answer is judged against every frame sent
 * under its id, never just the first one.
 */
interface Sent {
  sends: Send[];
  answers: number;
  /** A request frame by the gateway's rule (type "req", non-empty string id): it must be answered. */
  expect: boolean;
  text: string | Buffer;
}

const methodOf = (send: Send): string => (typeof send.method === "string" ? send.method : "");
const isTwoPhase = (method: string): boolean => isMethodName(method) && (METHODS[method] as { twoPhase?: boolean }).twoPhase === true;

/** One connection's ledger of requests sent and answers received. */
export class Ledger {
  private readonly sent = new Map<string, Sent>();
  readonly findings: Finding[] = [];
  responses = 0;
  events = 0;
  readonly errorCodes = new Map<string, number>();

  /** Records a frame as the gateway will parse it; returns its id when it is a request-shaped object. */
  recordSent(bytes: string | Buffer): string | undefined {
    if (typeof bytes !== "string") return undefined; // invalid UTF-8 never reaches the parser
    let v: unknown;
    try {
      v = JSON.parse(bytes);
    } catch {
      return undefined;
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    const f = v as Record<string, unknown>;
    if (typeof f["id"] !== "string") return undefined;
    const id = f["id"];
    const prev = this.sent.get(id);
    const expect = f["type"] === "req" && id.length > 0;
    const send: Send = { method: f["method"], paramsValid: paramsValid(f) };
    if (prev) {
      prev.sends.push(send);
      prev.expect ||= expect;
      return id;
    }
    this.sent.set(id, { sends: [send], answers: 0, expect, text: bytes });
    return id;
  }

  /** Checks one frame received from the gateway. */
  receive(text: string): { id?: string; ok?: boolean; payload?: unknown; event?: string } {
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.findings.push({ kind: "not-json", detail: "gateway sent a frame that is not JSON", frame: excerpt(text) });
      return {};
    }
    if (f["type"] === "event") {
      this.events++;
      const ev = check(EventFrameSchema, f);
      const name = String(f["event"]);
      if (!ev.ok) this.findings.push({ kind: "off-schema-event", detail: formatIssues(ev.issues), frame: excerpt(text) });
      else if (!isEventName(name)) this.findings.push({ kind: "off-schema-event", detail: `undeclared event ${name}`, frame: excerpt(text) });
      else {
        const p = check(EVENTS[name], f["payload"]);
        if (!p.ok) this.findings.push({ kind: "off-schema-event", detail: `${name}: ${formatIssues(p.issues)}`, frame: excerpt(text) });
      }
      return { event: name, payload: f["payload"] };
    }
    this.responses++;
    const res = check(ResponseFrameSchema, f);
    if (!res.ok) {
      this.findings.push({ kind: "off-schema-response", detail: formatIssues(res.issues), frame: excerpt(text) });
      return {};
    }
    const id = res.value.id;
    const sent = this.sent.get(id);
    if (!sent) {
      this.findings.push({ kind: "unknown-id", detail: `response to id ${JSON.stringify(id)} that was never sent`, frame: excerpt(text) });
      return { id };
    }
    sent.answers++;
    const methods = [...new Set(sent.sends.map(methodOf))];
    const named = methods.join(" | ");
    const allowed = sent.sends.reduce((n, x) => n + (isTwoPhase(methodOf(x)) ? 2 : 1), 0);
    if (sent.answers > allowed) {
      this.findings.push({ kind: "duplicate-response", detail: `${sent.answers} answers to id ${id} (${named}) sent ${sent.sends.length}×`, frame: excerpt(text) });
    }
    if (!res.value.ok) {
      const code = res.value.error?.code ?? "(no error)";
      this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
      if (!KNOWN_CODES.has(code)) this.findings.push({ kind: "bad-error-code", detail: `error code ${code}`, frame: excerpt(text) });
      return { id, ok: false };
    }
    this.errorCodes.set("ok", (this.errorCodes.get("ok") ?? 0) + 1);
    if (sent.sends.every((x) => x.paramsValid === false)) {
      this.findings.push({ kind: "accepted-invalid-params", detail: `${named} succeeded with params its schema refuses`, frame: excerpt(sent.text) });
    }
    // The answer fits one of the frames sent under this id (a two-phase method's first answer is its acceptance).
    const issues: string[] = [];
    const fits = sent.sends.some((x) => {
      const method = methodOf(x);
      const schema = method === "connect" ? HelloOkSchema : isMethodName(method) ? METHODS[method].result : undefined;
      if (!schema || (isTwoPhase(method) && sent.answers === 1)) return true;
      const r = check(schema, res.value.payload);
      if (!r.ok) issues.push(`${method}: ${formatIssues(r.issues)}`);
      return r.ok;
    });
    if (!fits) this.findings.push({ kind: "result-off-schema", detail: issues.join("; "), frame: excerpt(text) });
    return { id, ok: true, payload: res.value.payload };
  }

  /** Ids of requests (other than methods in `mayWait`) still without an answer. */
  unanswered(mayWait: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const [id, s] of this.sent) {
      if (!s.expect || s.answers > 0 || s.sends.some((x) => mayWait.has(methodOf(x)))) continue;
      out.push(id);
    }
    return out;
  }

  sentText(id: string): string | Buffer | undefined {
    return this.sent.get(id)?.text;
  }
}

/** Whether a request frame's params satisfy its method's schema, as the dispatcher reads them. */
function paramsValid(f: Record<string, unknown>): boolean | undefined {
  const method = f["method"];
  if (typeof method !== "string" || !isMethodName(method)) return undefined;
  const schema = METHODS[method].params;
  const params = f["params"];
  if (params === undefined && isOptionalSchema(schema)) return true;
  return check(schema, params ?? {}).ok;
}
