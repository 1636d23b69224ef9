import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { PidFile } from "../../supervise/pid-file.js";
import type { ProcessTable } from "../../supervise/process-table.js";
import { Supervisor } from "../../supervise/supervisor.js";
import type { SignalConfig } from "./config.js";
import type { SignalRpc } from "./rpc.js";

/** A port on 127.0.0.1 that nothing listens on right now. */
export async function freeLoopbackPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** The folder of one Signal account's gateway-side state (pid file). */
export const signalStateDir = (stateDir: string, accountId: string) => join(stateDir, "channels", "signal", accountId);

/**
 * `<cliPath> -a <account> daemon --http 127.0.0.1:<port> --receive-mode <mode>`, supervised:
 * ready once `/api/v1/check` answers, restarted on the same port when it dies.
 */
export function signalDaemonSupervisor(opts: {
  config: SignalConfig;
  port: number;
  rpc: SignalRpc;
  stateDir: string;
  log: Logger;
  table: ProcessTable;
  now: () => number;
  /** After a restart: the daemon serves again. */
  onReady: () => void;
}): Supervisor {
  const { config } = opts;
  return new Supervisor({
    program: {
      name: "signal-cli",
      command: config.cliPath,
      args: ["-a", config.account, "daemon", "--http", `127.0.0.1:${opts.port}`, "--receive-mode", config.receiveMode],
      stdio: "log",
    },
    hooks: {
      ready: async (_child, signal) => {
        while (!signal.aborted && !(await opts.rpc.check(AbortSignal.any([signal, AbortSignal.timeout(2000)])))) await sleep(200, undefined, { signal }).catch(() => undefined);
      },
    },
    pidFile: new PidFile(join(signalStateDir(opts.stateDir, config.accountId), "signal-cli.pid"), opts.table, opts.log),
    table: opts.table,
    log: opts.log,
    readyTimeoutMs: config.startupTimeoutMs,
    restartBackoff: { initialMs: 1000, maxMs: 60_000 },
    now: opts.now,
  });
}
