// One discoverGateways() run (inside a test's network namespace); prints the result as JSON.
// argv[2]: JSON DiscoverOptions.
import { discoverGateways, type DiscoverOptions } from "../../sidecar/src/discovery/browser.js";

const opts = JSON.parse(process.argv[2] ?? "{}") as DiscoverOptions;
process.stdout.write(`${JSON.stringify(await discoverGateways(opts))}\n`);
