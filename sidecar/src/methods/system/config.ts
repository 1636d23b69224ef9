import { ConfigFileSchema, redactedConfig } from "../../config/index.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** `config.get`: the loaded config file with secrets redacted. */
export const configGetHandler =
  (s: GatewayServices): Handler<"config.get"> =>
  () => ({
    path: s.configFile.path,
    exists: s.configFile.exists,
    hash: s.configFile.hash,
    config: redactedConfig(s.configFile.file),
  });

const schemaJson = JSON.parse(JSON.stringify(ConfigFileSchema)) as Record<string, unknown>;

/** `config.schema`: JSON Schema of clawdbot.json. */
export const configSchemaHandler =
  (s: GatewayServices): Handler<"config.schema"> =>
  () => ({ schema: schemaJson, version: s.version });
