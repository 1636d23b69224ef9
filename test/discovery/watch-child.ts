// A long-running browser (inside a test's network namespace): one JSON line per up/down event,
// so a test can see the goodbye packets of a stopping advertiser. Runs until SIGTERM.
import { createBonjour } from "../../sidecar/src/discovery/bonjour.js";
import { SERVICE_TYPE } from "../../sidecar/src/discovery/records.js";

const mdns = createBonjour({ onError: (err) => print({ event: "error", message: err.message }) });
const browser = mdns.find({ type: SERVICE_TYPE });
browser.on("up", (s) => print({ event: "up", name: s.name, port: s.port }));
browser.on("down", (s) => print({ event: "down", name: s.name, port: s.port }));
process.once("SIGTERM", () => {
  browser.stop();
  mdns.destroy(() => undefined);
});
print({ event: "ready" });

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
