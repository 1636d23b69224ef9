import type { GatewayFlags } from "@clawdbot/sidecar/config";
import { parseLean } from "./argv.js";
import type { Env } from "./index.js";

/** The `clawdbot gateway` flags, as both the full command and the lean path hand them over. */
export type GatewayCommandFlags = { [K in keyof GatewayFlags]?: GatewayFlags[K] | undefined } & { config?: string | undefined };

/** Runs the gateway in the foreground with the command's flags; resolves with the exit code. */
export async function runGatewayCommand(flags: GatewayCommandFlags, env: Env): Promise<number> {
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as GatewayFlags & { config?: string };
  const { runGateway } = await loadGateway();
  return runGateway({
    flags: { ...defined, verbose: flags.verbose === true },
    env,
    pretty: process.stdout.isTTY === true,
    fail: (message) => process.stderr.write(`clawdbot gateway: ${message}\n`),
  });
}

/** `clawdbot gateway` with the flags of commands/gateway.ts; undefined leaves the command line to the full CLI. */
export async function leanGateway(argv: readonly string[], env: Env): Promise<number | undefined> {
  const flags = parseLean(argv, {
    port: { type: "integer", min: 0, max: 65535 },
    bind: { type: "string" },
    token: { type: "string", secret: true },
    "token-file": { type: "string", exclusive: "token" },
    password: { type: "string", secret: true },
    config: { type: "string" },
    verbose: { type: "boolean" },
    "canvas-port": { type: "integer", min: 0, max: 65535 },
    tls: { type: "boolean" },
  });
  if (!flags) return undefined;
  const { "canvas-port": canvasPort, "token-file": tokenFile, ...rest } = flags;
  const code = await runGatewayCommand({ ...(rest as GatewayCommandFlags), canvasPort: canvasPort as number | undefined, tokenFile: tokenFile as string | undefined }, env);
  // As the full command does (this.exit): nothing the gateway left behind keeps the process up.
  process.exit(code);
}

/** The bundled gateway (scripts/build-gateway-bundle.mjs); the unbundled package when it was not built. */
async function loadGateway(): Promise<typeof import("@clawdbot/sidecar/run")> {
  // No source maps by default: Node parses every loaded module's map when they are on, about a third
  // of a start. NODE_OPTIONS=--enable-source-maps makes stack traces name the TypeScript sources.
  try {
    return await import("@clawdbot/sidecar/run");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND" || !String((err as Error).message).includes("bundle.js")) throw err;
    return import("@clawdbot/sidecar");
  }
}
