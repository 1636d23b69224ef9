import type { TSchema } from "@sinclair/typebox";
import { ErrorShapeSchema, ErrorCodeSchema } from "./schema/errors.js";
import { EventFrameSchema, GatewayFrameSchema, RequestFrameSchema, ResponseFrameSchema, StateVersionSchema } from "./schema/frames.js";
import { ConnectParamsSchema, HelloOkSchema, PolicySchema, SnapshotSchema, PROTOCOL_VERSION } from "./schema/connect.js";
import { PresenceEntrySchema } from "./schema/presence.js";
import { EVENTS } from "./schema/events.js";
import { METHODS } from "./methods/index.js";

/** One JSON Schema document holding every definition of the protocol, in a stable order. */
export function schemaDocument(): Record<string, unknown> {
  const defs: Record<string, TSchema> = {
    RequestFrame: RequestFrameSchema,
    ResponseFrame: ResponseFrameSchema,
    EventFrame: EventFrameSchema,
    GatewayFrame: GatewayFrameSchema,
    ErrorShape: ErrorShapeSchema,
    ErrorCode: ErrorCodeSchema,
    StateVersion: StateVersionSchema,
    PresenceEntry: PresenceEntrySchema,
    ConnectParams: ConnectParamsSchema,
    Snapshot: SnapshotSchema,
    Policy: PolicySchema,
    HelloOk: HelloOkSchema,
  };
  for (const [name, decl] of Object.entries(METHODS)) {
    defs[`method:${name}:params`] = decl.params;
    defs[`method:${name}:result`] = decl.result;
  }
  for (const [name, schema] of Object.entries(EVENTS)) defs[`event:${name}`] = schema;
  const methods = Object.fromEntries(
    Object.entries(METHODS).map(([name, d]) => [
      name,
      { scope: d.scope, roles: d.roles, idempotency: d.idempotency, twoPhase: d.twoPhase ?? false, summary: d.summary },
    ]),
  );
  // JSON round trip drops TypeBox's symbol keys so the document is plain JSON Schema.
  return JSON.parse(
    JSON.stringify({
      $schema: "http://json-schema.org/draft-07/schema#",
      $id: "https://clawdbot.local/protocol/v3/protocol.schema.json",
      title: "Clawdbot gateway protocol",
      protocolVersion: PROTOCOL_VERSION,
      methods,
      definitions: defs,
    }),
  ) as Record<string, unknown>;
}
