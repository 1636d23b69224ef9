import { ConfigFileSchema, redactedConfig } from "../../config/index.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type ConfigDeps = Pick<GatewayServices, "configFile" | "version">;


/** `config.get`: the loaded config file with secrets redacted. */
export const configGetHandler =
  (s: ConfigDeps): Handler<"config.get"> =>
  () => ({
    path: s.configFile.path,
    exists: s.configFile.exists,
    hash: s.configFile.hash,
    config: redactedConfig(s.configFile.file),
  });

const schemaJson = JSON.parse(JSON.stringify(ConfigFileSchema)) as Record<string, unknown>;

/** `config.schema`: JSON Schema of clawdbot.json. */
export const configSchemaHandler =
  (s: ConfigDeps): Handler<"config.schema"> =>
  () => ({ schema: schemaJson, version: s.version });
