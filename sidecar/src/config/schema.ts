import { Type, type Static } from "@sinclair/typebox";
import { channelsConfigSchema } from "../channels/modules.js";

import { MIN_SECRET_LENGTH } from "./basics.js";

export { MIN_SECRET_LENGTH };

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
/** The one header a trusted proxy names the client in. */
export const RealIpHeaderSchema = Type.Union([Type.Literal("x-forwarded-for"), Type.Literal("forwarded"), Type.Literal("x-real-ip")]);
export type RealIpHeader = Static<typeof RealIpHeaderSchema>;

/** Schema of clawdbot.json (JSON5). Every key is optional; defaults live in config/defaults.ts. */
export const ConfigFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    gateway: Type.Optional(
      Type.Object(
        {
          port: Type.Optional(Port),
          bind: Type.Optional(Type.String({ minLength: 1 })),
          auth: Type.Optional(
            Type.Object(
              {
                token: Type.Optional(Type.String({ minLength: MIN_SECRET_LENGTH })),
                tokenFile: Type.Optional(Type.String({ minLength: 1 })),
                password: Type.Optional(Type.String({ minLength: MIN_SECRET_LENGTH })),
                allowSecretOnly: Type.Optional(
                  Type.Boolean({ description: "let non-local clients in with the gateway secret alone, without a device identity (logged, tagged in presence)" }),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          tickIntervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
          handshakeTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
          maxPayload: Type.Optional(Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 })),
          maxBufferedBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 256 * 1024 * 1024 })),
          nodes: Type.Optional(
            Type.Object(
              {
                allowCommands: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
                denyCommands: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
              },
              { additionalProperties: false },
            ),
          ),
          canvasPort: Type.Optional(Port),
          tls: Type.Optional(
            Type.Object(
              {
                enabled: Type.Optional(Type.Boolean()),
                certPath: Type.Optional(Type.String({ minLength: 1 })),
                keyPath: Type.Optional(Type.String({ minLength: 1 })),
              },
              { additionalProperties: false },
            ),
          ),
          trustedProxies: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), { description: "addresses or CIDR ranges of reverse proxies whose forwarding header is believed" }),
          ),
          realIpHeader: Type.Optional(RealIpHeaderSchema),
          allowedOrigins: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
          allowedHosts: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), { description: "extra Host names (e.g. a DNS or tailnet name) requests may carry" }),
          ),
          pairing: Type.Optional(
            Type.Object({ autoApproveLocal: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          ),
          authRateLimit: Type.Optional(
            Type.Object(
              {
                maxFailures: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
                windowMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    agent: Type.Optional(
      Type.Object(
        {
          backend: Type.Optional(Type.Union([Type.Literal("echo"), Type.Literal("openai"), Type.Literal("command")])),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
          /** The longest run a caller may ask for (`agent {timeout}`); longer requests are clamped. */
          maxTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
          systemPrompt: Type.Optional(Type.String()),
          identity: Type.Optional(
            Type.Object(
              {
                name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
                emoji: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
                avatar: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
              },
              { additionalProperties: false, description: "how clients show the agent" },
            ),
          ),
          openai: Type.Optional(
            Type.Object(
              {
                baseUrl: Type.String({ minLength: 1 }),
                model: Type.String({ minLength: 1 }),
                apiKeyEnv: Type.Optional(Type.String({ minLength: 1 })),
                models: Type.Optional(
                  Type.Array(Type.String({ minLength: 1 }), { description: "further model ids the endpoint serves, offered to sessions besides model" }),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          command: Type.Optional(
            Type.Object(
              { argv: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), timeoutMs: Type.Optional(Type.Integer({ minimum: 100 })) },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    channels: Type.Optional(channelsConfigSchema()),
    discovery: Type.Optional(
      Type.Object(
        { enabled: Type.Optional(Type.Boolean()), minimal: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    ),
    cron: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ description: "run scheduled jobs (jobs are kept either way)" })),
          maxRunsPerJob: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: "run history entries kept per job" })),
          catchUp: Type.Optional(
            Type.Union([Type.Literal("once"), Type.Literal("skip")], { description: "a job that fell due while the gateway was down runs once at start-up, or waits for its next time" }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    heartbeat: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          intervalMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    logging: Type.Optional(
      Type.Object(
        {
          level: Type.Optional(
            Type.Union([
              Type.Literal("trace"),
              Type.Literal("debug"),
              Type.Literal("info"),
              Type.Literal("warn"),
              Type.Literal("error"),
              Type.Literal("fatal"),
              Type.Literal("silent"),
            ]),
          ),
          file: Type.Optional(
            Type.Union([Type.Boolean(), Type.String({ minLength: 1 })], {
              description: "true: <stateDir>/logs/gateway.log; a path (relative to the state dir); false: off. Default: on when run as a service",
            }),
          ),
          maxFileBytes: Type.Optional(Type.Integer({ minimum: 4096, maximum: 1024 * 1024 * 1024, description: "the log file is rotated at this size (default 10 MiB)" })),
          maxTotalBytes: Type.Optional(
            Type.Integer({ minimum: 8192, maximum: 64 * 1024 * 1024 * 1024, description: "all log files together stay under this; the oldest go first (default 100 MiB)" }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof ConfigFileSchema>;
