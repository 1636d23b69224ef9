// Entry of the fake `signal-cli` executable. Understands what the gateway runs:
//   signal-cli [-a|--account <E.164>] daemon --http [<host:port>] [--receive-mode on-start|on-connection|manual]
//              [--send-read-receipts] [--ignore-attachments] [--ignore-stories] [--no-receive-stdout]
// and serves FakeSignalDaemon on that address until SIGTERM/SIGINT. Environment:
//   FAKE_SIGNAL_NETWORK         base URL of the FakeSignalNetwork (required)
//   FAKE_SIGNAL_START_DELAY_MS  wait this long before listening (a slow JVM start)
//   FAKE_SIGNAL_UNREGISTERED    say the account is not registered and exit 1, as signal-cli does
//   FAKE_SIGNAL_PIDS            a file this process appends its pid to (tests check none is left)
import { appendFileSync } from "node:fs";
import { FakeSignalDaemon } from "./daemon.js";
import { httpBackend } from "./backend.js";

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

if (process.env["FAKE_SIGNAL_PIDS"]) appendFileSync(process.env["FAKE_SIGNAL_PIDS"], `${process.pid}\n`);
const argv = process.argv.slice(2);
let account: string | undefined;
let i = 0;
for (; i < argv.length && argv[i] !== "daemon"; i++) {
  const a = argv[i]!;
  if (a === "-a" || a === "--account" || a === "-u" || a === "--username") account = argv[++i];
  else if (a === "--config" || a === "-c" || a === "--log-file") i++;
  else if (!a.startsWith("-")) fail(`signal-cli: unknown command ${a}`, 1);
}
if (argv[i] !== "daemon") fail("usage: signal-cli [-a ACCOUNT] daemon --http [HOST:PORT]", 1);
let http: string | undefined;
let receiveMode: "on-start" | "on-connection" = "on-start";
for (i++; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === "--http") http = argv[i + 1] && !argv[i + 1]!.startsWith("-") ? argv[++i] : "localhost:8080";
  else if (a.startsWith("--http=")) http = a.slice("--http=".length);
  else if (a === "--receive-mode") {
    const mode = argv[++i];
    if (mode !== "on-start" && mode !== "on-connection" && mode !== "manual") fail(`argument --receive-mode: invalid choice: '${mode}'`, 2);
    receiveMode = mode === "on-connection" ? "on-connection" : "on-start";
  } else if (!["--send-read-receipts", "--ignore-attachments", "--ignore-stories", "--no-receive-stdout"].includes(a)) fail(`signal-cli: unrecognized argument ${a}`, 2);
}
if (!http) fail("the fake signal-cli only serves --http", 2);
if (!account) fail("multi-account mode is not supported by the fake; pass -a", 2);
const network = process.env["FAKE_SIGNAL_NETWORK"];
if (!network) fail("FAKE_SIGNAL_NETWORK is not set", 1);
if (process.env["FAKE_SIGNAL_UNREGISTERED"]) fail(`User ${account} is not registered.`, 1);
const [host, port] = http.includes(":") ? [http.slice(0, http.lastIndexOf(":")), Number(http.slice(http.lastIndexOf(":") + 1))] : ["localhost", Number(http)];

process.stderr.write(`INFO  DaemonCommand - Starting daemon in single-account mode for ${account}\n`);
const delay = Number(process.env["FAKE_SIGNAL_START_DELAY_MS"] ?? 0);
if (delay > 0) await new Promise((r) => setTimeout(r, delay));
const backend = httpBackend(network);
const daemon = await FakeSignalDaemon.start({ backend, account, host, port, receiveMode, keepAliveMs: 500 }).catch((err: Error) => fail(`ERROR HttpServerHandler - ${err.message}`, 3));
await backend.register({ pid: process.pid, account, http: daemon.url, args: argv });
process.stderr.write(`INFO  HttpServerHandler - Started HTTP server on /${host}:${daemon.port}\n`);

const shutdown = () => {
  process.stderr.write("INFO  DaemonCommand - Shutting down\n");
  void daemon.stop().then(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
