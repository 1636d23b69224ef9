import { defineChannel } from "../module.js";
import { SignalAccountSchema, resolveSignal } from "./config.js";

/** Signal through signal-cli's HTTP daemon (spawned and supervised, or one at `httpUrl`). */
export const signal = defineChannel({
  id: "signal",
  label: "Signal",
  detailLabel: "Signal (signal-cli)",
  textLimit: 4000,
  accountSchema: SignalAccountSchema,
  resolve: resolveSignal,
  redact: (file) => file,
  secrets: () => [],
  // The event stream has its own watchdog (eventsIdleMs) and the daemon its supervisor.
  staleAfterMs: () => Infinity,
  create: async (deps) => {
    const [{ SignalAdapter }, { systemProcessTable }] = await Promise.all([import("./adapter.js"), import("../../supervise/process-table.js")]);
    return new SignalAdapter({ config: deps.account, stateDir: deps.stateDir, log: deps.log, now: deps.now, events: deps.events, table: systemProcessTable() });
  },
});
