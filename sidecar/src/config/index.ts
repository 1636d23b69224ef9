export { ConfigFileSchema, MIN_SECRET_LENGTH, type ConfigFile, type RealIpHeader } from "./schema.js";
export { resolveStatePaths, type StatePaths } from "./paths.js";
export { resolveBindHost, isLoopbackAddress, configuredGatewayUrl } from "./listen-address.js";
export { loadConfigFile, parseConfigText, checkConfigText, configHash, type LoadedConfigFile, type ConfigIssue } from "./load.js";
export { planReload, needsRestart, type ReloadPlan } from "./reload-plan.js";
export { buildUiHints, type ConfigUiHint } from "./ui-hints.js";
export {
  resolveConfig,
  argvSecretWarning,
  redactedConfig,
  REDACTED,
  logFileOf,
  type LogFileConfig,
  DEFAULT_PORT,
  DEFAULT_CANVAS_PORT,
  type GatewayConfig,
  type GatewayFlags,
  type AuthMode,
  type LogLevel,
  type AgentConfig,
  type AgentIdentity,
  type CronConfig,
  type TelegramConfig,
  type ChannelAccessConfig,
  type DmPolicy,
} from "./resolve.js";
export { ConfigError } from "./errors.js";
export { configProblems } from "./problems.js";
export { nearest } from "./nearest.js";
