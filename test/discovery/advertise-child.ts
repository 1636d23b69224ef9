// Runs a GatewayAdvertiser (inside a test's network namespace) until SIGTERM, then stop()s it.
// argv[2]: JSON GatewayAdvertiserOptions without log. Logs pino JSON lines on stdout.
import { destination, pino } from "pino";
import { GatewayAdvertiser, type GatewayAdvertiserOptions } from "../../sidecar/src/discovery/advertiser.js";

const opts = JSON.parse(process.argv[2] ?? "{}") as Omit<GatewayAdvertiserOptions, "log">;
const log = pino({ level: "debug" }, destination({ fd: 1, sync: true }));
const advertiser = new GatewayAdvertiser({ ...opts, log });
advertiser.start();
log.info("child started");
const keepAlive = setInterval(() => undefined, 60_000);
process.once("SIGTERM", () => {
  void advertiser.stop().then(() => {
    clearInterval(keepAlive);
    log.info("child stopped");
  });
});
