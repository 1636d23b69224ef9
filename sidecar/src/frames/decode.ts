import { GatewayError } from "../errors.js";

export const MAX_JSON_DEPTH = 32;

/** Parses one text frame as JSON; throws `invalid_frame` when it is not JSON. */
export function parseFrame(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError("invalid_frame", "frame is not valid JSON");
  }
}

/** Parses one text frame: JSON, bounded nesting depth, no prototype-polluting keys. */
export function decodeFrame(text: string): unknown {
  const value = parseFrame(text);
  assertSafeShape(value);
  return value;
}


/** Rejects nesting deeper than MAX_JSON_DEPTH and keys that could reach an object prototype. */
export function assertSafeShape(root: unknown): void {
  const stack: { v: unknown; d: number }[] = [{ v: root, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d > MAX_JSON_DEPTH) throw new GatewayError("invalid_frame", `frame nests deeper than ${MAX_JSON_DEPTH} levels`);
    if (Array.isArray(v)) {
      for (const item of v) if (item !== null && typeof item === "object") stack.push({ v: item, d: d + 1 });
      continue;
    }
    for (const key of Object.keys(v)) {
      if (key === "__proto__") throw new GatewayError("invalid_frame", `frame contains the forbidden key "${key}"`);
      const child = (v as Record<string, unknown>)[key];
      if (child !== null && typeof child === "object") stack.push({ v: child, d: d + 1 });
    }
  }
}
