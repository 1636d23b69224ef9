import { ConfigFileSchema, buildUiHints } from "../../config/index.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type ConfigDeps = Pick<GatewayServices, "configWriter" | "version">;

const schemaJson = JSON.parse(JSON.stringify(ConfigFileSchema)) as Record<string, unknown>;
const uiHints = buildUiHints();
const generatedAt = new Date().toISOString();

/** `config.get`: the file as it is on disk, secrets redacted, with its hash and validity. */
export const configGetHandler =
  (s: ConfigDeps): Handler<"config.get"> =>
  () =>
    s.configWriter.get();

/** `config.schema`: JSON Schema of clawdbot.json with form hints. */
export const configSchemaHandler =
  (s: ConfigDeps): Handler<"config.schema"> =>
  () => ({ schema: schemaJson, uiHints, version: s.version, generatedAt });

/** `config.set`: the whole file, guarded by baseHash, applied like SIGHUP. */
export const configSetHandler =
  (s: ConfigDeps): Handler<"config.set"> =>
  ({ raw, baseHash }) =>
    s.configWriter.write({ kind: "set", raw, baseHash });

/** `config.patch`: a JSON merge patch, guarded by baseHash, applied like SIGHUP. */
export const configPatchHandler =
  (s: ConfigDeps): Handler<"config.patch"> =>
  (params) =>
    s.configWriter.write({ kind: "patch", ...params });

/** `config.apply`: the whole file, applied, restarted after restartDelayMs when a change needs it. */
export const configApplyHandler =
  (s: ConfigDeps): Handler<"config.apply"> =>
  (params) =>
    s.configWriter.write({ kind: "apply", ...params });
