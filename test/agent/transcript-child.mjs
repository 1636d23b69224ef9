// Appends messages to a few sessions through the gateway's TranscriptStore, as fast as batches
// allow, printing "ACK <session> <n>" once each append resolved; the parent SIGKILLs it.
import { pino } from "pino";
import { TranscriptStore } from "../../sidecar/dist/sessions/transcripts.js";

const [stateDir, tag] = process.argv.slice(2);
const store = new TranscriptStore(stateDir, pino({ level: "silent" }));
const sessions = ["agent:main:a", "agent:main:b", "agent:main:c"];
let n = 0;
async function writer(key) {
  for (;;) {
    // Several appends at once: they ride in shared batches.
    const burst = Array.from({ length: 4 }, () => `${tag}-${n++}`);
    await Promise.all(
      burst.map((id) =>
        store.append(key, { role: "user", content: [{ type: "text", text: id }], timestamp: Date.now() }).then(() => process.stdout.write(`ACK ${key} ${id}\n`)),
      ),
    );
  }
}
process.stdout.write("READY\n");
for (const key of sessions) void writer(key);
