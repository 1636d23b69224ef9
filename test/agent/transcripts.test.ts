// The transcript store on real files: appends that arrive together share one write and one
// fsync and each resolves once its line is on disk; history comes from memory, and from the file
// again when anything else changed it (appended, rewritten, deleted); a SIGKILL at any moment
// never loses an acknowledged message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFile, mkdtemp, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { TranscriptStore, textMessage, type ChatMessage } from "../../sidecar/src/sessions/transcripts.js";

const silent = pino({ level: "silent" });
const KEY = "agent:main:main";

async function stateDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "clawdbot-transcripts-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const fileOf = (dir: string, key = KEY) => join(dir, "sessions", `${key.replace(/:/g, "~")}.jsonl`);
const texts = (msgs: ChatMessage[]) => msgs.map((m) => m.content.map((c) => c.text).join(""));
/** Message lines of a transcript (the session header line a new transcript starts with is left out). */
const linesOf = async (path: string) =>
  (await readFile(path, "utf8")).split("\n").filter((l) => l !== "" && !l.startsWith('{"type":"session"'));

test("appends issued together share one write and one fsync, in order; each resolves with its line on disk", async (t) => {
  const dir = await stateDir(t);
  const store = new TranscriptStore(dir, silent);
  const acks = await Promise.all(
    Array.from({ length: 100 }, (_, i) => store.append(KEY, textMessage("user", `m${i}`, 1000 + i)).then(async () => (await linesOf(fileOf(dir))).length)),
  );
  assert.ok(acks.every((n) => n === 100), "every append resolved after the batch was on disk");
  assert.deepEqual(store.stats(), { appends: 100, commits: 1, reads: 0 });
  const onDisk = (await linesOf(fileOf(dir))).map((l) => (JSON.parse(l) as ChatMessage).content[0]!.text);
  assert.deepEqual(onDisk, Array.from({ length: 100 }, (_, i) => `m${i}`));
  // One at a time, each append is its own commit.
  await store.append(KEY, textMessage("assistant", "a", 2000));
  await store.append(KEY, textMessage("user", "b", 2001));
  assert.equal(store.stats().commits, 3);
  // An append arriving while a write is under way joins the next batch, not a write of its own.
  const first = store.append(KEY, textMessage("user", "c", 2002));
  await Promise.resolve();
  await Promise.resolve();
  const later = Array.from({ length: 10 }, (_, i) => store.append(KEY, textMessage("user", `d${i}`, 2003 + i)));
  await Promise.all([first, ...later]);
  assert.ok(store.stats().commits <= 5, `batched: ${JSON.stringify(store.stats())}`);
  assert.equal((await linesOf(fileOf(dir))).length, 113);
});

test("history comes from memory: a session's file is read once, not on every turn", async (t) => {
  const dir = await stateDir(t);
  const writer = new TranscriptStore(dir, silent);
  for (let i = 0; i < 30; i++) await writer.append(KEY, textMessage(i % 2 ? "assistant" : "user", `t${i}`, 1000 + i));
  for (let i = 0; i < 20; i++) assert.deepEqual(texts(await writer.history(KEY, 4)), ["t26", "t27", "t28", "t29"]);
  assert.equal(writer.stats().reads, 0, "the writer never read its own transcript");
  // A gateway that starts later reads the file once, then keeps up from memory.
  const restarted = new TranscriptStore(dir, silent);
  assert.deepEqual(texts(await restarted.history(KEY, 2)), ["t28", "t29"]);
  for (let i = 30; i < 40; i++) {
    await restarted.append(KEY, textMessage("user", `t${i}`, 1000 + i));
    assert.deepEqual(texts(await restarted.history(KEY, 1)), [`t${i}`]);
  }
  assert.equal(restarted.stats().reads, 1);
  assert.equal((await restarted.history(KEY, 1000)).length, 40);
  assert.deepEqual(await restarted.history("agent:main:nobody", 10), []);
});

test("a transcript changed behind the store's back is read again: appended, rewritten, torn, deleted", async (t) => {
  const dir = await stateDir(t);
  const store = new TranscriptStore(dir, silent);
  await store.append(KEY, textMessage("user", "one", 1));
  await store.append(KEY, textMessage("assistant", "two", 2));
  assert.deepEqual(texts(await store.history(KEY, 10)), ["one", "two"]);
  const path = fileOf(dir);
  await appendFile(path, JSON.stringify(textMessage("user", "from elsewhere", 3)) + "\n");
  assert.deepEqual(texts(await store.history(KEY, 10)), ["one", "two", "from elsewhere"]);
  // Replaced by rename (as a rewrite or compaction does): a new inode, even at the same size.
  const tmp = `${path}.tmp`;
  await writeFile(tmp, (await readFile(path, "utf8")).replace("one", "ONE"));
  await rename(tmp, path);
  assert.deepEqual(texts(await store.history(KEY, 10)), ["ONE", "two", "from elsewhere"]);
  // A torn last line written by a crashed writer: skipped, and the next append starts on a fresh line.
  await appendFile(path, '{"role":"user","content":[{"type":"te');
  assert.deepEqual(texts(await store.history(KEY, 10)), ["ONE", "two", "from elsewhere"]);
  await store.append(KEY, textMessage("user", "after the tear", 4));
  assert.deepEqual(texts(await store.history(KEY, 10)), ["ONE", "two", "from elsewhere", "after the tear"]);
  await unlink(path);
  assert.deepEqual(await store.history(KEY, 10), []);
  await store.append(KEY, textMessage("user", "fresh", 5));
  assert.deepEqual(texts(await store.history(KEY, 10)), ["fresh"]);
});

test("SIGKILL while batches are being written never loses an acknowledged message", async (t) => {
  const dir = await stateDir(t);
  const child = fileURLToPath(new URL("./transcript-child.mjs", import.meta.url));
  const acked = new Map<string, string[]>();
  for (let round = 0; round < 8; round++) {
    const proc = spawn(process.execPath, [child, dir, `r${round}`], { stdio: ["ignore", "pipe", "inherit"] });
    let partial = "";
    let count = 0;
    const target = 40 + round * 23;
    await new Promise<void>((resolve, reject) => {
      proc.once("exit", (code) => reject(new Error(`the writer exited (${code}) before it was killed`)));
      proc.stdout.setEncoding("utf8").on("data", (d: string) => {
        const parts = (partial + d).split("\n");
        partial = parts.pop() ?? "";
        for (const line of parts) {
          const m = /^ACK (\S+) (\S+)$/.exec(line);
          if (!m) continue;
          acked.set(m[1]!, [...(acked.get(m[1]!) ?? []), m[2]!]);
          if (++count === target) {
            proc.removeAllListeners("exit");
            proc.kill("SIGKILL");
            proc.once("exit", () => resolve());
          }
        }
      });
    });
  }
  const reader = new TranscriptStore(dir, silent);
  for (const [key, ids] of acked) {
    const stored = new Set(texts(await reader.history(key, 1_000_000)));
    const lost = ids.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${key}: acknowledged but not stored`);
  }
  assert.ok(acked.size === 3);
});
