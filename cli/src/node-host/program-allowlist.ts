import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { NodeCommandError } from "./errors.js";

/**
 * The node's own list of programs system.run may start. An entry is a bare name (`echo`, looked
 * up on the node's PATH) or an absolute path (`/usr/bin/uname`). argv[0] matches by exact name or
 * by resolving to the same file as an allowed entry; anything else is FORBIDDEN.
 */
export class ProgramAllowlist {
  private readonly names: ReadonlySet<string>;
  private readonly paths: readonly string[];

  constructor(
    entries: readonly string[],
    private readonly searchPath: string,
  ) {
    this.names = new Set(entries.filter((e) => !e.includes("/")));
    this.paths = entries.filter((e) => isAbsolute(e));
  }

  get empty(): boolean {
    return this.names.size === 0 && this.paths.length === 0;
  }

  /** The absolute path to execute for argv[0], or a FORBIDDEN error saying why not. */
  resolve(program: string): string {
    if (program.includes("\0")) throw forbidden(program, "it contains a NUL byte");
    if (!program.includes("/")) return this.resolveName(program);
    if (!isAbsolute(program)) throw forbidden(program, "relative paths are not allowed; use a name or an absolute path");
    const target = realOrUndefined(program);
    if (!target || !isExecutableFile(program)) throw forbidden(program, "it is not an executable file on this node");
    const allowed = [...this.paths, ...[...this.names].map((n) => this.which(n))].some((p) => p !== undefined && realOrUndefined(p) === target);
    if (!allowed) throw forbidden(program, "it is not on this node's system.run allowlist");
    return program;
  }

  private resolveName(name: string): string {
    const found = this.which(name);
    if (this.names.has(name)) {
      if (!found) throw new NodeCommandError("NOT_FOUND", `${name} is allowed on this node but was not found on its PATH`);
      return found;
    }
    const target = found ? realOrUndefined(found) : undefined;
    if (target && this.paths.some((p) => realOrUndefined(p) === target)) return found!;
    throw forbidden(name, "it is not on this node's system.run allowlist");
  }

  /** First executable file named `name` on the node's PATH. */
  which(name: string): string | undefined {
    for (const dir of this.searchPath.split(delimiter)) {
      if (!dir || !isAbsolute(dir)) continue;
      const p = join(dir, name);
      if (isExecutableFile(p)) return p;
    }
    return undefined;
  }
}

function forbidden(program: string, why: string): NodeCommandError {
  return new NodeCommandError("FORBIDDEN", `system.run refused ${JSON.stringify(program)}: ${why} (the node's owner can add it to systemRun.allow in node.json)`);
}

function realOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
