import { mkdir, readFile, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { BufferJSON, initAuthCreds, proto, type AuthenticationCreds, type SignalDataSet, type SignalDataTypeMap, type SignalKeyStore } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { writeFileAtomic } from "../../store/atomic-file.js";
import { CredsFile } from "./creds-file.js";


/** File names are built from key ids; keep them to a safe alphabet. */
const fileFor = (type: string, id: string) => `${type}-${id.replace(/[^A-Za-z0-9._-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}.json`;

/**
 * A WhatsApp account's credentials in `<stateDir>/credentials/whatsapp/<account>/` (0700, files
 * 0600). Every save is serialised and atomic, the previous good creds kept beside the current
 * ones and restored when the current file does not parse (CredsFile), so a crash at any moment
 * never leaves the account unlinked.
 */
export class WhatsAppAuthStore {
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    public creds: AuthenticationCreds,
    private readonly file: CredsFile,
    private readonly log: Logger,
  ) {}

  /** Opens (creating) the folder; loads creds, falling back to the previous copy; fresh creds when none. */
  static async open(dir: string, log: Logger): Promise<WhatsAppAuthStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = new CredsFile(dir, (text) => parseCreds(text));
    const loaded = await file.load();
    if (loaded.ok) {
      if (loaded.restored) log.warn({ dir }, "WhatsApp credentials unreadable; restored the previous good copy");
      return new WhatsAppAuthStore(dir, parseCreds(loaded.text), file, log);
    }
    if (loaded.problem !== "missing") log.error({ dir, problem: loaded.problem }, "WhatsApp credentials unreadable and no previous copy; linking again is needed");
    return new WhatsAppAuthStore(dir, initAuthCreds(), file, log);
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
    return this.serialise(() => this.file.save(JSON.stringify(this.creds, BufferJSON.replacer)));
  }

  /** Removes the folder and starts over with fresh, unlinked creds. */
  async wipe(): Promise<void> {
    await this.serialise(async () => {
      await rm(this.dir, { recursive: true, force: true });
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      this.creds = initAuthCreds();
      this.file.reset();
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

/** Parses creds text; throws when it is not WhatsApp credentials. */
function parseCreds(text: string): AuthenticationCreds {
  const creds = JSON.parse(text, BufferJSON.reviver) as AuthenticationCreds;
  if (!creds || typeof creds !== "object" || !creds.noiseKey || !creds.signedIdentityKey) throw new Error("not WhatsApp credentials");
  return creds;
}
