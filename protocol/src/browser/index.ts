// Browser entry of the protocol package: the typed gateway client pages bundle (no node: imports).
export {
  BrowserGatewayClient,
  type BrowserClientOptions,
  type ConnectionState,
  type ConnectionStatus,
  type ReconnectDelays,
  type SocketConstructor,
  type SocketLike,
  type TypedSecret,
} from "./client.js";
export {
  clearDeviceToken,
  identityKeys,
  loadDeviceToken,
  loadIdentity,
  saveDeviceToken,
  signDevice,
  type BrowserIdentity,
  type Ed25519,
  type IdentityKeys,
  type PageStorage,
  type SignedFields,
  type StoredDeviceToken,
} from "./identity.js";
export { fromBase64, sha256, sha256Sync, toBase64, toBase64Url, toHex, uuid, type Digester } from "./encoding.js";
export { GatewayRequestError } from "../client/errors.js";
export { Backoff } from "../client/backoff.js";
export type { MethodName, Params, Result } from "../methods/index.js";
export type { EventName, EventPayload } from "../schema/events.js";
export type { HelloOk, ClientInfo } from "../schema/connect.js";
export type { OperatorScope } from "../schema/scopes.js";
