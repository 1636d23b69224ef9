export { GatewayAdvertiser, type GatewayAdvertiserOptions } from "./advertiser.js";
export { discoverGateways, type DiscoveredGateway, type DiscoverOptions } from "./browser.js";
export { createBonjour, type BonjourFactory, type MdnsOptions, type MdnsResponder } from "./bonjour.js";
export { SERVICE_TYPE, gatewayTxt, type GatewayBeacon } from "./records.js";
export { advertiseInterface } from "./interface.js";
