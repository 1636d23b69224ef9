// The protocol's schemas seen as plain JSON Schema (TypeBox schemas are JSON Schema objects).
import { ConnectParamsSchema as Connect, METHODS as Methods } from "@clawdbot/protocol";

/** The JSON Schema keywords the generator reads. */
export interface TSchemaLike {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: TSchemaLike[];
  oneOf?: TSchemaLike[];
  properties?: Record<string, TSchemaLike>;
  required?: string[];
  items?: TSchemaLike;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
}

export const ConnectParamsSchema = Connect as unknown as TSchemaLike;
export const METHODS = Methods as unknown as Record<string, { params: TSchemaLike; result: unknown }>;
