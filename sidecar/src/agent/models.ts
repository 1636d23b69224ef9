import type { Static } from "@sinclair/typebox";
import type { AgentCapabilitiesSchema, ModelChoiceSchema } from "@clawdbot/protocol";
import type { AgentConfig } from "../config/index.js";

export type ModelChoice = Static<typeof ModelChoiceSchema>;
export type AgentCapabilities = Static<typeof AgentCapabilitiesSchema>;

/** The models the configured backend can run; the first is the default. */
export function modelChoices(cfg: AgentConfig): ModelChoice[] {
  switch (cfg.backend) {
    case "echo":
      return [{ id: "echo", name: "Echo (built in)", provider: "echo", default: true }];
    case "command":
      return [{ id: "command", name: cfg.argv[0] ?? "command", provider: "command", default: true }];
    case "openai": {
      const ids = [cfg.model, ...cfg.models.filter((m) => m !== cfg.model)];
      return ids.map((id, i) => ({ id, name: id, provider: "openai", ...(i === 0 ? { default: true } : {}) }));
    }
  }
}

/** The model runs use unless a session picked another. */
export function defaultModel(cfg: AgentConfig): string {
  return modelChoices(cfg)[0]!.id;
}

/** What the backend can do: only the OpenAI-compatible one takes a model per run and a thinking level. */
export function capabilities(cfg: AgentConfig): AgentCapabilities {
  const openai = cfg.backend === "openai";
  return { streaming: true, thinking: openai, modelSelection: openai, systemPrompt: openai };
}
