import { createInterface } from "node:readline";

/** One JSON line between the orchestrator and a bench child. */
export interface Message {
  type: string;
  [key: string]: unknown;
}

/** Child side: emit a message on stdout. */
export function emit(msg: Message): void {
  process.stdout.write(JSON.stringify(msg) + "\n");
}

/** The JSON config the orchestrator passed as argv[2]. */
export function childConfig<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("missing JSON config argument");
  return JSON.parse(raw) as T;
}

/**
 * Child side: handle commands from stdin; `onEnd` runs when stdin closes (the orchestrator is
 * done or gone) and, as a last resort, after `maxLifeMs`, so a child never outlives its run.
 */
export function listen(onCommand: (cmd: Message) => void, onEnd: () => void, maxLifeMs: number): void {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    try {
      onCommand(JSON.parse(line) as Message);
    } catch (err) {
      emit({ type: "error", message: (err as Error).message });
    }
  });
  lines.on("close", end);
  process.on("SIGTERM", end);
  setTimeout(end, maxLifeMs).unref();
}

/** Reports a fatal error and exits non-zero. */
export function fail(err: unknown): never {
  emit({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}
