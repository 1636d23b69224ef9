import { GatewayClient, GatewayConnectError, type GatewayClientOptions } from "@clawdbot/protocol/client";
import { resolveStatePaths } from "@clawdbot/sidecar/basics";
import { presentedFingerprint } from "@clawdbot/protocol/client";
import { IdentityStore } from "./identity-store.js";
import { CLI_VERSION } from "../version.js";
import { CliError, usageError } from "../failure.js";
import { readSecretFile } from "./secret-file.js";
import { displayFingerprint, locateGateway } from "./locate.js";

export interface LinkOptions {
  url?: string | undefined;
  token?: string | undefined;
  password?: string | undefined;
  timeout: number;
  tlsFingerprint?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  onEvent?: GatewayClientOptions["onEvent"];
  mode?: "cli" | "backend";
}

/** The gateway URL (see locateGateway: flags, environment, the running gateway, the config, the default). */
export function linkUrl(o: Pick<LinkOptions, "url" | "env">): string {
  return locateGateway(o).url;
}

/** After a rotation: when the token belongs to this CLI's own device, keep it for the next connect. */
export async function rememberOwnToken(o: Pick<LinkOptions, "url" | "env">, deviceId: string, role: string, token: string): Promise<boolean> {
  const store = new IdentityStore(resolveStatePaths(o.env).stateDir);
  if ((await store.identity()).deviceId !== deviceId) return false;
  await store.saveDeviceToken(linkUrl(o), role, token);
  return true;
}

/** The token in the file CLAWDBOT_GATEWAY_TOKEN_FILE names (the service's own token file), if set. */
async function envTokenFile(env: LinkOptions["env"]): Promise<string | undefined> {
  const path = env["CLAWDBOT_GATEWAY_TOKEN_FILE"];
  if (!path) return undefined;
  try {
    return await readSecretFile(path);
  } catch (err) {
    throw usageError(`CLAWDBOT_GATEWAY_TOKEN_FILE: ${(err as Error).message}`);
  }
}

/** Connects as an operator with this CLI's own device identity; stores any device token issued. */
export async function openGateway(o: LinkOptions): Promise<GatewayClient> {
  const { stateDir } = resolveStatePaths(o.env);
  const target = locateGateway(o);
  const url = target.url;
  o = { ...o, tlsFingerprint: target.tlsFingerprint };
  const store = new IdentityStore(stateDir);
  const identity = await store.identity();
  const token = o.token ?? (o.env["CLAWDBOT_GATEWAY_TOKEN"] || (await envTokenFile(o.env)));
  const password = o.password ?? o.env["CLAWDBOT_GATEWAY_PASSWORD"];
  const deviceToken = token === undefined ? await store.deviceToken(url, "operator") : undefined;
  try {
    return await connectOnce(o, url, store, identity, token, password, deviceToken);
  } catch (err) {
    if (err instanceof GatewayConnectError && err.failure === "tls-unpinned") throw await unpinned(url, err);
    // A gateway whose state was reset, or that revoked/rotated our token, no longer knows it:
    // forget it and connect once more on identity alone (auto-approval or a pairing request).
    if (deviceToken === undefined || !(err instanceof GatewayConnectError) || err.failure !== "unauthorized") throw err;
    await store.dropDeviceToken(url, "operator");
    return connectOnce(o, url, store, identity, token, password, undefined);
  }
}

async function connectOnce(
  o: LinkOptions,
  url: string,
  store: IdentityStore,
  identity: Awaited<ReturnType<IdentityStore["identity"]>>,
  token: string | undefined,
  password: string | undefined,
  deviceToken: string | undefined,
): Promise<GatewayClient> {
  const client = new GatewayClient({
    url,
    identity,
    client: { id: "cli", mode: o.mode ?? "cli", version: CLI_VERSION, platform: process.platform },
    role: "operator",
    scopes: ["operator.admin", "operator.approvals", "operator.pairing"],
    connectTimeoutMs: o.timeout,
    requestTimeoutMs: o.timeout,
    ...(token !== undefined ? { token } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(deviceToken !== undefined ? { deviceToken } : {}),
    ...(o.tlsFingerprint !== undefined ? { tlsFingerprint: o.tlsFingerprint } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  });
  const hello = await client.connect();
  if (hello.auth) await store.saveDeviceToken(url, hello.auth.role, hello.auth.deviceToken);
  return client;
}

/** A wss:// gateway with a certificate nobody pinned: say which fingerprint it presents and how to pin it. */
async function unpinned(url: string, err: GatewayConnectError): Promise<CliError> {
  const u = new URL(url);
  let fp: string;
  try {
    fp = displayFingerprint(await presentedFingerprint(u.hostname.replace(/^\[|\]$/g, ""), Number(u.port || 443)));
  } catch (probe) {
    return new CliError("tls-unpinned", `${err.message}; could not read the certificate either (${(probe as Error).message})`);
  }
  return new CliError(
    "tls-unpinned",
    `${url} presents a TLS certificate that is not pinned here (SHA-256 ${fp}); if that is the fingerprint the gateway printed at start-up (or \`clawdbot status\` shows on the gateway host), pass --tls-fingerprint ${fp}`,
  );
}
