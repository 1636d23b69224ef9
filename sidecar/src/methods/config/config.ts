import { ConfigFileSchema, buildUiHints } from "../../config/index.js";
import type { Handler } from "../context.js";
import type { GatewayServices } from "../../services.js";

/** What these handlers may reach. */
export type ConfigDeps = Pick<GatewayServices, "configWriter" | "version">;

type SchemaDocument = { schema: Record<string, unknown>; uiHints: ReturnType<typeof buildUiHints>; generatedAt: string };
let document: SchemaDocument | undefined;

// Built on the first `config.schema`, not at import: every start-up loads this module, few ask for the schema.
function schemaDocument(): SchemaDocument {
  document ??= { schema: JSON.parse(JSON.stringify(ConfigFileSchema)) as Record<string, unknown>, uiHints: buildUiHints(), generatedAt: new Date().toISOString() };
  return document;
}

/** `config.get`: the file as it is on disk, secrets redacted, with its hash and validity. */
export const configGetHandler =
  (s: ConfigDeps): Handler<"config.get"> =>
  () =>
    s.configWriter.get();

/** `config.schema`: JSON Schema of clawdbot.json with form hints. */
export const configSchemaHandler =
  (s: ConfigDeps): Handler<"config.schema"> =>
  () => {
    const { schema, uiHints, generatedAt } = schemaDocument();
    return { schema, uiHints, version: s.version, generatedAt };
  };

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
