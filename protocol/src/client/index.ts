export { GatewayClient, type GatewayClientOptions, type CallOptions } from "./gateway-client.js";
export { GatewayConnectError, GatewayRequestError, type ConnectFailure } from "./errors.js";
export { generateIdentity, identityFromPem, identityToPem, signPayload, type DeviceIdentity } from "./identity.js";
export { Backoff } from "./backoff.js";
export { certFingerprint, normalizeFingerprint, pinnedTlsConnector, presentedFingerprint } from "./tls-pin.js";
