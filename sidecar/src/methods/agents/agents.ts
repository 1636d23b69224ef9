import { GatewayError } from "../../errors.js";
import { MAIN_SESSION_KEY } from "../../channels/router.js";
import { capabilities, defaultModel, modelChoices } from "../../agent/models.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type AgentsDeps = Pick<GatewayServices, "config">;

/** This gateway runs one agent. */
const AGENT_ID = "main";
const DEFAULT_NAME = "Clawdbot";

/** `models.list`: what the configured backend can run. */
export const modelsListHandler =
  (s: AgentsDeps): Handler<"models.list"> =>
  () => ({ models: modelChoices(s.config.agent) });

/** `agents.list`: the one agent, its backend, model and capabilities. */
export const agentsListHandler =
  (s: AgentsDeps): Handler<"agents.list"> =>
  () => {
    const a = s.config.agent;
    return {
      defaultId: AGENT_ID,
      mainKey: MAIN_SESSION_KEY,
      scope: "per-sender" as const,
      agents: [
        {
          id: AGENT_ID,
          name: a.identity.name ?? DEFAULT_NAME,
          identity: { ...a.identity },
          backend: a.backend,
          model: defaultModel(a),
          capabilities: capabilities(a),
        },
      ],
    };
  };

/** `agent.identity.get`: name, emoji and avatar. */
export const agentIdentityGetHandler =
  (s: AgentsDeps): Handler<"agent.identity.get"> =>
  (params) => {
    if (params?.agentId !== undefined && params.agentId !== AGENT_ID) {
      throw new GatewayError("not_found", `no agent ${params.agentId}; this gateway runs one agent, "${AGENT_ID}"`);
    }
    const { name, emoji, avatar } = s.config.agent.identity;
    return { agentId: AGENT_ID, name: name ?? DEFAULT_NAME, ...(emoji ? { emoji } : {}), ...(avatar ? { avatar } : {}) };
  };
