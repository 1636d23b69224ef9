export { DeviceStore, PENDING_TTL_MS, type DeviceClaim } from "./device-store.js";
export { NodePairingStore } from "./node-store.js";
