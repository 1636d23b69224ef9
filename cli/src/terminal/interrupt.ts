import type { Interface } from "node:readline";

/** Ctrl-C while a command waits: the first one resolves `signalled`, a second one exits 130 at once. */
export interface Interrupt {
  readonly signalled: Promise<void>;
  /** Readline catches Ctrl-C itself (and would only pause); route it here. */
  watch(rl: Pick<Interface, "on" | "off">): void;
  dispose(): void;
}

export function onInterrupt(): Interrupt {
  let count = 0;
  let fire!: () => void;
  const signalled = new Promise<void>((r) => (fire = r));
  const handler = () => {
    count++;
    if (count === 1) fire();
    else process.exit(130);
  };
  const watched: Pick<Interface, "on" | "off">[] = [];
  process.on("SIGINT", handler);
  return {
    signalled,
    watch: (rl) => {
      rl.on("SIGINT", handler);
      watched.push(rl);
    },
    dispose: () => {
      process.off("SIGINT", handler);
      for (const rl of watched) rl.off("SIGINT", handler);
    },
  };
}
