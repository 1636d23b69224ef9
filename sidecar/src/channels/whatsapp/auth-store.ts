import { mkdir, readFile, readdir, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { BufferJSON, initAuthCreds, proto, type AuthenticationCreds, type SignalDataSet, type SignalDataTypeMap, type SignalKeyStore } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { writeFileAtomic } from "../../store/atomic-file.js";

const CREDS = "creds.json";
const PREVIOUS = "creds.prev.json";

/** File names are built from key ids; keep them to a safe alphabet. */
const fileFor = (type: string, id: string) => `${type}-${id.replace(/[^A-Za-z0-9._-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}.json`;

/**
 * A WhatsApp account's credentials in `<stateDir>/credentials/whatsapp/<account>/` (0700, files
 * 0600). Every save is serialised and atomic (temp + fsync + rename); the previous good creds
 * are kept beside the current ones and restored when the current file does not parse, so a
 * crash at any moment never leaves the account unlinked.
 */
export class WhatsAppAuthStore {
  private chain: Promise<void> = Promise.resolve();
  private lastSaved: string | undefined;

  private constructor(
    readonly dir: string,
    public creds: AuthenticationCreds,
    private readonly log: Logger,
  ) {}

  /** Opens (creating) the folder; loads creds, falling back to the previous copy; fresh creds when none. */
  static async open(dir: string, log: Logger): Promise<WhatsAppAuthStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Temp files of a write that was cut short are never read; remove them.
    for (const name of await readdir(dir)) if (name.startsWith(".") && name.endsWith(".tmp")) await unlink(join(dir, name)).catch(() => undefined);
    const current = await readCreds(join(dir, CREDS));
    if (current.ok) {
      const store = new WhatsAppAuthStore(dir, current.creds, log);
      store.lastSaved = current.text;
      return store;
    }
    const previous = await readCreds(join(dir, PREVIOUS));
    if (previous.ok) {
      log.warn({ dir, problem: current.problem }, "WhatsApp credentials unreadable; restored the previous good copy");
      await writeFileAtomic(join(dir, CREDS), previous.text);
      const store = new WhatsAppAuthStore(dir, previous.creds, log);
      store.lastSaved = previous.text;
      return store;
    }
    if (current.problem !== "missing") log.error({ dir, problem: current.problem }, "WhatsApp credentials unreadable and no previous copy; linking again is needed");
    return new WhatsAppAuthStore(dir, initAuthCreds(), log);
  }

  /** Whether these credentials belong to a linked device. */
  get linked(): boolean {
    return Boolean(this.creds.me?.id);
  }

  /** The signal key store Baileys reads and writes (one atomic file per key). */
  readonly keys: SignalKeyStore = {
    get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const id of ids) {
        const value = await this.readKey(type, id);
        if (value !== undefined) out[id] = value as SignalDataTypeMap[T];
      }
      return out;
    },
    set: (data: SignalDataSet) =>
      this.serialise(async () => {
        for (const [type, entries] of Object.entries(data)) {
          for (const [id, value] of Object.entries(entries ?? {})) {
            const path = join(this.dir, fileFor(type, id));
            if (value === null || value === undefined) await unlink(path).catch(() => undefined);
            else await writeFileAtomic(path, JSON.stringify(value, BufferJSON.replacer));
          }
        }
      }),
  };

  /** Saves the current creds: the last good copy first becomes the previous one, then the new one replaces it. */
  saveCreds(): Promise<void> {
    return this.serialise(async () => {
      const text = JSON.stringify(this.creds, BufferJSON.replacer);
      if (text === this.lastSaved) return;
      if (this.lastSaved !== undefined) await writeFileAtomic(join(this.dir, PREVIOUS), this.lastSaved);
      await writeFileAtomic(join(this.dir, CREDS), text);
      this.lastSaved = text;
    });
  }

  /** Removes the folder and starts over with fresh, unlinked creds. */
  async wipe(): Promise<void> {
    await this.serialise(async () => {
      await rm(this.dir, { recursive: true, force: true });
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      this.creds = initAuthCreds();
      this.lastSaved = undefined;
    });
  }

  /** Waits for every save queued so far. */
  flush(): Promise<void> {
    return this.chain;
  }

  private async readKey(type: string, id: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(join(this.dir, fileFor(type, id)), "utf8");
    } catch {
      return undefined;
    }
    try {
      const value = JSON.parse(text, BufferJSON.reviver) as unknown;
      return type === "app-state-sync-key" && value ? proto.Message.AppStateSyncKeyData.fromObject(value as object) : value;
    } catch (err) {
      this.log.warn({ type, id, err: (err as Error).message }, "WhatsApp key file unreadable; ignored");
      return undefined;
    }
  }

  private serialise(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(work);
    this.chain = next.catch((err: unknown) => this.log.error({ err, dir: this.dir }, "saving WhatsApp credentials failed"));
    return next;
  }
}

async function readCreds(path: string): Promise<{ ok: true; creds: AuthenticationCreds; text: string } | { ok: false; problem: string }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    return { ok: false, problem: (err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : (err as Error).message };
  }
  try {
    const creds = JSON.parse(text, BufferJSON.reviver) as AuthenticationCreds;
    if (!creds || typeof creds !== "object" || !creds.noiseKey || !creds.signedIdentityKey) return { ok: false, problem: "not WhatsApp credentials" };
    return { ok: true, creds, text };
  } catch (err) {
    return { ok: false, problem: `not JSON: ${(err as Error).message}` };
  }
}
