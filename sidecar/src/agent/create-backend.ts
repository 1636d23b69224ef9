import type { AgentConfig } from "../config/index.js";
import type { AgentBackend } from "./backend.js";
import { EchoBackend } from "./echo.js";
import { OpenAIBackend } from "./openai.js";
import { CommandBackend } from "./command.js";

/** Builds the configured agent backend. */
export function createBackend(cfg: AgentConfig): AgentBackend {
  switch (cfg.backend) {
    case "echo":
      return new EchoBackend();
    case "openai":
      return new OpenAIBackend({
        baseUrl: cfg.baseUrl,
        model: cfg.model,
        apiKey: cfg.apiKey,
        ...(cfg.systemPrompt !== undefined ? { systemPrompt: cfg.systemPrompt } : {}),
      });
    case "command":
      return new CommandBackend({ argv: cfg.argv, timeoutMs: cfg.timeoutMs, timeoutSetting: cfg.timeoutSetting, env: cfg.env });
  }
}
