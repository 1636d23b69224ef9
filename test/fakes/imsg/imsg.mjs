// A fake `imsg rpc [--db <path>]`: JSON-RPC 2.0, one object per line on stdin/stdout, as imsg
// speaks it. It knows nothing itself: every request goes to the FakeMessages world of the test
// (a line-JSON TCP connection to FAKE_IMSG_CONTROL=host:port), which answers it, pushes `message`
// and `error` notifications, and can make this process write to stderr or exit (a crash).
import { connect } from "node:net";
import { createInterface } from "node:readline";

const args = process.argv.slice(2);
if (args[0] !== "rpc") {
  process.stderr.write("Usage: imsg rpc [--db <path>]\n");
  process.exit(2);
}
const control = process.env.FAKE_IMSG_CONTROL;
if (!control) {
  process.stderr.write("FAKE_IMSG_CONTROL is not set\n");
  process.exit(1);
}
const [host, port] = control.split(":");
const world = connect(Number(port), host);
const toWorld = (msg) => world.write(`${JSON.stringify(msg)}\n`);
world.on("connect", () => toWorld({ hello: { pid: process.pid, args } }));
world.on("error", () => process.exit(1));
world.on("close", () => process.exit(1));

createInterface({ input: world }).on("error", () => process.exit(1)).on("line", (line) => {
  const cmd = JSON.parse(line);
  if (cmd.stderr !== undefined) process.stderr.write(`${cmd.stderr}\n`);
  if (cmd.stdout !== undefined) process.stdout.write(`${cmd.stdout}\n`);
  if (cmd.respond) process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...cmd.respond })}\n`);
  if (cmd.notify) process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", method: cmd.notify.method, params: cmd.notify.params })}\n`);
  if (cmd.exit !== undefined) process.exit(cmd.exit);
});

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "") return;
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } })}\n`);
    return;
  }
  toWorld({ request: req });
});
// Like imsg: the end of stdin ends the server (its subscriptions with it), unless
// FAKE_IMSG_IGNORE_EOF is set (a wrapper whose remote side lingers).
process.stdin.on("end", () => {
  if (process.env.FAKE_IMSG_IGNORE_EOF) return;
  toWorld({ bye: true });
  setTimeout(() => process.exit(0), 10);
});
