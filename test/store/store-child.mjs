// Child process for the store durability tests (not a test file). Start-up is most of the cost of
// each of the ~200 children the SIGKILL test starts, so it is plain JavaScript run with plain `node`
// (no tsx loader: about half the start-up CPU), and it loads the built module that
// `@clawdbot/sidecar` re-exports DeviceStore from rather than the whole gateway behind the package
// entry (again about half). It is the same compiled code the gateway runs.
//
// It loads the store code, prints "WARM", waits for a "GO" line on stdin (so the parent can start it
// ahead of time), then drives a DeviceStore on the given state dir, reporting each change only after
// its promise resolved:
//
//   loop <stateDir> <tag> <max>   "READY"; request + approve <tag>-0 … <tag>-<max-1>, "ACK <deviceId>" after each approve; "FINISHED"
//   approve <stateDir> <idsFile>  "READY"; approve every request id in the JSON file; "DONE <n>"
import { readFile } from "node:fs/promises";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { DeviceStore } from "../../sidecar/dist/pairing/device-store.js";

// Pipes are written synchronously on Linux: a line is in the parent's pipe before the next step starts.
const say = (line) => void process.stdout.write(`${line}\n`);

async function loop(store, tag, max) {
  for (let i = 0; i < max; i++) {
    const deviceId = `${tag}-${i}`;
    const claim = { deviceId, publicKey: `pk-${deviceId}`, role: "operator", scopes: ["operator.read"] };
    const { request } = await store.requestPairing(claim, false);
    const done = await store.approve(request.requestId);
    if (!done) throw new Error(`request ${request.requestId} of ${deviceId} vanished before approval`);
    say(`ACK ${deviceId}`);
  }
}

async function approveAll(store, ids) {
  let n = 0;
  for (const id of ids) {
    if (!(await store.approve(id))) throw new Error(`request ${id} was not pending`);
    n++;
  }
  return n;
}

const [mode, stateDir, arg, max] = process.argv.slice(2);
if ((mode !== "loop" && mode !== "approve") || !stateDir || !arg) throw new Error("usage: store-child.mjs loop|approve <stateDir> <tag|idsFile> [max]");
const lines = createInterface({ input: process.stdin });
say("WARM");
await once(lines, "line");
lines.close();
const store = await DeviceStore.open(stateDir, Date.now);
say("READY");
if (mode === "loop") {
  await loop(store, arg, Number(max ?? "1000"));
  say("FINISHED");
} else {
  const ids = JSON.parse(await readFile(arg, "utf8"));
  say(`DONE ${await approveAll(store, ids)}`);
}
