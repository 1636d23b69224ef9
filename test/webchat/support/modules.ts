// The page's browser modules (plain JS under sidecar/webchat/), imported into node for unit tests,
// with the types this suite relies on written out once here.
import type { webcrypto } from "node:crypto";

type SubtleCrypto = webcrypto.SubtleCrypto;
export type Nacl = typeof import("tweetnacl");

export interface PageStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface Identity {
  deviceId: string;
  publicKey: string;
  secretKey: Uint8Array;
}

export interface SignedFields {
  clientId: string;
  clientMode: string;
  role: string;
  scopes: string[];
  signedAt: number;
  token: string | undefined;
  nonce: string;
}

export interface IdentityModule {
  IDENTITY_KEY: string;
  TOKEN_KEY: string;
  loadIdentity(storage: PageStorage, nacl: Nacl, subtle?: SubtleCrypto): Promise<Identity>;
  deviceAuthPayload(f: SignedFields & { deviceId: string }): string;
  signDevice(identity: Identity, nacl: Nacl, f: SignedFields): { id: string; publicKey: string; signature: string; signedAt: number; nonce: string };
  loadDeviceToken(storage: PageStorage, deviceId: string, role: string): string | undefined;
  saveDeviceToken(storage: PageStorage, deviceId: string, auth: { deviceToken: string; role: string; scopes: string[] }): void;
  uuid(): string;
  toHex(bytes: Uint8Array): string;
  toBase64(bytes: Uint8Array): string;
  fromBase64(text: string): Uint8Array;
  toBase64Url(bytes: Uint8Array): string;
  sha256(bytes: Uint8Array, subtle?: SubtleCrypto | null): Promise<Uint8Array>;
  sha256Sync(bytes: Uint8Array): Uint8Array;
}

export interface Status {
  state: "connecting" | "connected" | "disconnected";
  message?: string;
  code?: string;
  retryInMs?: number;
}

export interface ClientOptions {
  url: string;
  WebSocket: unknown;
  nacl: Nacl;
  storage: PageStorage;
  subtle?: SubtleCrypto;
  client: { id: string; version: string; platform: string; mode: string };
  role: string;
  scopes: string[];
  backoff?: Backoff;
  now?: () => number;
  onStatus?: (s: Status) => void;
  onHello?: (hello: Record<string, unknown> & { auth?: { deviceToken: string } }) => void;
  onEvent?: (event: string, payload: unknown) => void;
}

export interface Backoff {
  next(): number;
  reset(): void;
}

export interface GatewayClient {
  readonly connected: boolean;
  start(): void;
  stop(): void;
  reconnectNow(): void;
  request(method: string, params?: unknown, timeoutMs?: number): Promise<unknown>;
}

export interface RequestError extends Error {
  code: string;
  details?: unknown;
}

export interface ClientModule {
  PROTOCOL_VERSION: number;
  Backoff: new (initialMs?: number, maxMs?: number, random?: () => number) => Backoff;
  GatewayClient: new (opts: ClientOptions) => GatewayClient;
  GatewayRequestError: new (e: { code: string; message: string }) => RequestError;
}

export interface Item {
  key: string;
  role: "user" | "assistant" | "system";
  text: string;
  state: string;
  timestamp?: number;
  errorMessage?: string;
  runId?: string;
}

export interface ChatMessage {
  role: string;
  content: { type: string; text: string }[];
  timestamp?: number;
  runId?: string;
}

export interface ChatEvent {
  runId: string;
  sessionKey: string;
  seq: number;
  state: "delta" | "final" | "aborted" | "error";
  message?: ChatMessage;
  errorMessage?: string;
}

export interface Transcript {
  setHistory(messages: ChatMessage[]): void;
  addOwn(text: string, idempotencyKey: string, now?: number): Item & { idempotencyKey: string };
  sent(item: Item, runId: string): void;
  failed(item: Item, errorMessage: string): void;
  unsent(): (Item & { idempotencyKey: string })[];
  apply(ev: ChatEvent): { run: Item & { own: boolean }; finished: boolean } | null;
  activeRunIds(): string[];
  settle(runId: string, state: string, end?: { text?: string; errorMessage?: string }): boolean;
  active(): boolean;
  items(): Item[];
}

export interface TranscriptModule {
  Transcript: new (sessionKey: string) => Transcript;
  textOf(message: ChatMessage | undefined): string;
}

const dir = new URL("../../../sidecar/webchat/", import.meta.url);

async function load<T>(name: string): Promise<T> {
  return (await import(new URL(name, dir).href)) as T;
}

export const identityJs = await load<IdentityModule>("identity.js");
export const clientJs = await load<ClientModule>("client.js");
export const transcriptJs = await load<TranscriptModule>("transcript.js");

/** A localStorage stand-in. */
export function memoryStorage(): PageStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
  };
}
