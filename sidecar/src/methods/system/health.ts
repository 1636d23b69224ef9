import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** `health`: the current health snapshot. */
export const healthHandler =
  (s: GatewayServices): Handler<"health"> =>
  () =>
    s.health.snapshot();
