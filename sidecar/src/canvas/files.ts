import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join, relative, resolve, sep, dirname } from "node:path";
import { writeFileAtomic } from "../store/atomic-file.js";
import { GatewayError } from "../errors.js";

/** The agent-editable files of canvas sessions under `<stateDir>/canvas/<session>/`. */
export class CanvasFiles {
  readonly root: string;

  constructor(stateDir: string) {
    this.root = join(stateDir, "canvas");
  }

  /** The folder of a session; names that could climb out (`..`, dot names) are refused here too. */
  sessionDir(session: string): string {
    if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(session) || session === "__clawdbot__") {
      throw new GatewayError("params_invalid", `canvas session name ${JSON.stringify(session)} is not allowed`);
    }
    return join(this.root, session);
  }

  /** Resolves a relative path inside a session; anything that would leave it is refused. */
  resolve(session: string, path: string): string {
    const base = this.sessionDir(session);
    const full = resolve(base, path.replace(/^\/+/, ""));
    const rel = relative(base, full);
    if (rel === "" || rel.startsWith("..") || rel.includes(`${sep}..${sep}`) || resolve(base, rel) !== full) {
      throw new GatewayError("params_invalid", `path ${JSON.stringify(path)} is outside the canvas session`);
    }
    return full;
  }

  async write(session: string, path: string, data: Buffer): Promise<number> {
    const full = this.resolve(session, path);
    await mkdir(dirname(full), { recursive: true, mode: 0o755 });
    await writeFileAtomic(full, data, 0o644);
    return data.length;
  }

  async list(session: string): Promise<{ path: string; bytes: number; mtimeMs: number }[]> {
    const base = this.sessionDir(session);
    const out: { path: string; bytes: number; mtimeMs: number }[] = [];
    const walk = async (dir: string): Promise<void> => {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
        throw err;
      }
      for (const name of names.sort()) {
        if (name.startsWith(".")) continue;
        const full = join(dir, name);
        const st = await stat(full);
        if (st.isDirectory()) await walk(full);
        else if (st.isFile()) out.push({ path: relative(base, full).split(sep).join("/"), bytes: st.size, mtimeMs: Math.floor(st.mtimeMs) });
      }
    };
    await walk(base);
    return out;
  }

  async delete(session: string, path: string): Promise<boolean> {
    const full = this.resolve(session, path);
    try {
      await stat(full);
    } catch {
      return false;
    }
    await rm(full, { recursive: false, force: true });
    return true;
  }
}
