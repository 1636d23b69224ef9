import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type LogsDeps = Pick<GatewayServices, "logRing">;


/** `logs.tail`: recent log lines after a cursor. */
export const logsTailHandler =
  (s: LogsDeps): Handler<"logs.tail"> =>
  (params) =>
    s.logRing.tail(params?.cursor, params?.limit ?? 200, params?.maxBytes ?? 250_000);
