import { Type } from "@sinclair/typebox";
import { method } from "./declare.js";
import { NonEmptyString } from "../schema/primitives.js";
import { SessionKeySchema } from "./chat.js";

const read = { scope: "operator.read", roles: ["operator"], idempotency: "none" } as const;
const NoParams = Type.Optional(Type.Object({}, { additionalProperties: false }));

/** A model a picker may offer; `sessions.patch {model}` accepts exactly these ids. */
export const ModelChoiceSchema = Type.Object(
  {
    id: NonEmptyString,
    name: NonEmptyString,
    provider: NonEmptyString,
    contextWindow: Type.Optional(Type.Integer({ minimum: 1 })),
    reasoning: Type.Optional(Type.Boolean()),
    /** The model runs use unless a session picks another. */
    default: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

export const modelsList = method({
  ...read,
  summary: "Models the configured agent backend can run.",
  params: NoParams,
  result: Type.Object({ models: Type.Array(ModelChoiceSchema) }, { additionalProperties: true }),
});

export const AgentIdentitySchema = Type.Object(
  { name: Type.Optional(Type.String()), emoji: Type.Optional(Type.String()), avatar: Type.Optional(Type.String()) },
  { additionalProperties: true },
);

/** What the agent's backend can do, for clients deciding what to show. */
export const AgentCapabilitiesSchema = Type.Object(
  {
    streaming: Type.Boolean(),
    thinking: Type.Boolean(),
    modelSelection: Type.Boolean(),
    systemPrompt: Type.Boolean(),
  },
  { additionalProperties: true },
);

export const AgentSummarySchema = Type.Object(
  {
    id: NonEmptyString,
    name: Type.Optional(Type.String()),
    identity: Type.Optional(AgentIdentitySchema),
    backend: NonEmptyString,
    model: Type.Union([NonEmptyString, Type.Null()]),
    capabilities: AgentCapabilitiesSchema,
  },
  { additionalProperties: true },
);

export const agentsList = method({
  ...read,
  summary: "The configured agents (this gateway runs one, `main`) with backend, model and capabilities.",
  params: NoParams,
  result: Type.Object(
    {
      defaultId: NonEmptyString,
      mainKey: NonEmptyString,
      scope: Type.Union([Type.Literal("per-sender"), Type.Literal("global")]),
      agents: Type.Array(AgentSummarySchema),
    },
    { additionalProperties: true },
  ),
});

export const agentIdentityGet = method({
  ...read,
  summary: "The agent's name, emoji and avatar as clients show them.",
  params: Type.Optional(
    Type.Object(
      { agentId: Type.Optional(NonEmptyString), sessionKey: Type.Optional(SessionKeySchema) },
      { additionalProperties: false },
    ),
  ),
  result: Type.Object(
    { agentId: NonEmptyString, name: NonEmptyString, emoji: Type.Optional(Type.String()), avatar: Type.Optional(Type.String()) },
    { additionalProperties: true },
  ),
});
