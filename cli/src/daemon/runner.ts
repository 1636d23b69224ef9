import { execFile, spawn } from "node:child_process";
import { CommandFailedError } from "./errors.js";

export interface CommandOutcome {
  /** null when killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * How daemon commands reach launchctl, systemctl, journalctl and tail. Tests hand in a recording
 * fake; the real one is `execRunner`.
 */
export interface CommandRunner {
  /** Runs to completion and captures output; a non-zero exit is an outcome, not an exception. */
  capture(argv: readonly string[]): Promise<CommandOutcome>;
  /** Runs with this process's stdin/stdout/stderr (`logs --follow`); resolves with the exit code. */
  attach(argv: readonly string[]): Promise<number | null>;
}

/** The real runner: execFile without a shell; a program that cannot start at all is a one-line error. */
export const execRunner: CommandRunner = {
  capture(argv) {
    const [file = "", ...args] = argv;
    return new Promise((resolve, reject) => {
      execFile(file, args, { encoding: "utf8", maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err && typeof err.code === "string") return reject(new CommandFailedError(argv, null, `${file}: ${err.message}`));
        resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
      });
    });
  },
  attach(argv) {
    const [file = "", ...args] = argv;
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { stdio: "inherit" });
      child.once("error", (err) => reject(new CommandFailedError(argv, null, `${file}: ${err.message}`)));
      child.once("close", (code) => resolve(code));
    });
  },
};
