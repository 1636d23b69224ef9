/** The protocol version this package speaks (kept free of schema imports for browser bundles). */
export const PROTOCOL_VERSION = 3;
