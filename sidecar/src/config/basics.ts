/**
 * What a client on this machine needs to find and reach the local gateway, without the config
 * schema (and the channel modules behind it): the CLI's hot commands import only this.
 */
export { resolveStatePaths, type StatePaths } from "./paths.js";
export { ConfigError } from "./errors.js";
export { configuredGatewayUrl } from "./listen-address.js";
export { readRunningGateway, type RunningGateway } from "../daemon/running-gateway.js";

/** The gateway's WebSocket port when nothing else is configured. */
export const DEFAULT_PORT = 18789;
/** Shortest gateway token or password accepted anywhere (config, flags, environment, CLI). */
export const MIN_SECRET_LENGTH = 8;
