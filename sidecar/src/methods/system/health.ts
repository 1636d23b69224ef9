import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type HealthDeps = Pick<GatewayServices, "health">;


/** `health`: the current health snapshot. */
export const healthHandler =
  (s: HealthDeps): Handler<"health"> =>
  () =>
    s.health.snapshot();
