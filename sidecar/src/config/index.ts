export { ConfigFileSchema, MIN_SECRET_LENGTH, type ConfigFile, type RealIpHeader } from "./schema.js";
export { resolveStatePaths, type StatePaths } from "./paths.js";
export { loadConfigFile, parseConfigText, type LoadedConfigFile } from "./load.js";
export {
  resolveConfig,
  argvSecretWarning,
  resolveBindHost,
  isLoopbackAddress,
  redactedConfig,
  DEFAULT_PORT,
  DEFAULT_CANVAS_PORT,
  type GatewayConfig,
  type GatewayFlags,
  type AuthMode,
  type LogLevel,
  type AgentConfig,
  type TelegramConfig,
  type ChannelAccessConfig,
  type DmPolicy,
} from "./resolve.js";
export { ConfigError } from "./errors.js";
export { configProblems } from "./problems.js";
export { nearest } from "./nearest.js";
