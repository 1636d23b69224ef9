// CanvasWatcher on real folders, in both strategies: which session changed, new nested folders,
// hidden temp files ignored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CanvasFiles } from "../../sidecar/src/canvas/files.js";
import { CanvasWatcher, type WatchMode } from "../../sidecar/src/canvas/watcher.js";
import { memoryLogger } from "./support/host.js";

/** The sessions reported, in order, and a way to wait for the next one. */
class Changes {
  readonly seen: (string | null)[] = [];
  private waiters: ((s: string | null) => void)[] = [];

  push = (session: string | null): void => {
    this.seen.push(session);
    this.waiters.shift()?.(session);
  };

  /** The watcher's handles do not keep node alive (the server does), so waiting keeps a timer. */
  next(): Promise<string | null> {
    const keepAlive = setInterval(() => undefined, 1000);
    return new Promise<string | null>((resolve) => this.waiters.push(resolve)).finally(() => clearInterval(keepAlive));
  }

  /** Runs `poke` until some change is reported (a folder watched a moment later than created). */
  async until(poke: () => Promise<void>): Promise<string | null> {
    const next = this.next();
    let done = false;
    void next.then(() => (done = true));
    while (!done) {
      await poke();
      await Promise.race([next, sleep(100)]);
    }
    return next;
  }
}

async function startWatcher(t: import("node:test").TestContext, mode: WatchMode) {
  const stateDir = await mkdtemp(join(tmpdir(), "clawdbot-canvas-watch-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const files = new CanvasFiles(stateDir);
  await mkdir(files.sessionDir("quiet"), { recursive: true });
  const changes = new Changes();
  const watcher = new CanvasWatcher({ root: files.root, log: memoryLogger().log, onChange: changes.push, mode });
  t.after(() => watcher.close());
  await watcher.start();
  return { files, changes, watcher };
}

for (const mode of ["recursive", "per-directory"] as const) {
  test(`${mode}: a write reports its session, also in folders created after the start`, async (t) => {
    const { files, changes, watcher } = await startWatcher(t, mode);
    assert.equal(watcher.mode, mode);

    let next = changes.next();
    await files.write("alpha", "index.html", Buffer.from("<p>1</p>"));
    assert.equal(await next, "alpha");

    next = changes.next();
    await files.write("beta", "deep/er/style.css", Buffer.from("a{}"));
    assert.equal(await next, "beta");

    let n = 0;
    const deep = await changes.until(() => files.write("beta", "deep/er/style.css", Buffer.from(`a{z-index:${++n}}`)).then(() => undefined));
    assert.equal(deep, "beta", "a change deep inside a new folder is seen");
  });

  test(`${mode}: hidden names (atomic-write temp files) are not changes`, async (t) => {
    const { files, changes } = await startWatcher(t, mode);
    const next = changes.next();
    await writeFile(join(files.sessionDir("quiet"), ".index.html.123.tmp"), "temp");
    await files.write("loud", "index.html", Buffer.from("<p>x</p>"));
    assert.equal(await next, "loud", "the hidden file written first was not reported");
    assert.deepEqual(changes.seen, ["loud"]);
  });
}

test("close() ends watching: the watcher reports nothing for later writes and start() after close does nothing", async (t) => {
  const { files, changes, watcher } = await startWatcher(t, "recursive");
  const next = changes.next();
  await files.write("one", "a.txt", Buffer.from("1"));
  assert.equal(await next, "one");
  watcher.close();
  await watcher.start();
  assert.equal(watcher.mode, "recursive");
  const before = changes.seen.length;
  await files.write("two", "a.txt", Buffer.from("2"));
  // A second, independent watcher on the same root sees the write: the first one was given every chance.
  const other = new Changes();
  const w2 = new CanvasWatcher({ root: files.root, log: memoryLogger().log, onChange: other.push });
  t.after(() => w2.close());
  await w2.start();
  const seen = other.next();
  await files.write("two", "b.txt", Buffer.from("3"));
  assert.equal(await seen, "two");
  assert.equal(changes.seen.length, before);
});
