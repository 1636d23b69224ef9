/**
 * Summarizes a V8 .cpuprofile (e.g. from BENCH_CPU_PROF=<dir> make bench, which runs the gateway
 * child with --cpu-prof): the functions with the most self time, and the most inclusive time.
 * Usage: node --import tsx bench/tools/profile-top.ts <file.cpuprofile> [rows]
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

function label(f: CallFrame): string {
  const file = f.url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\//, "~/").replace(/^.*\/work\/main\//, "");
  return `${f.functionName || "(anonymous)"} ${file ? `${file}:${f.lineNumber + 1}` : ""}`.trim();
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error("usage: profile-top.ts <file.cpuprofile> [rows]");
  const rows = Number(process.argv[3] ?? 25);
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const key = label(n.callFrame);
    self.set(key, (self.get(key) ?? 0) + hits);
    // Walk up once per distinct function on the stack so recursion is not double counted.
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const k = label(byId.get(id)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + hits);
    }
  }
  const ms = (p.endTime - p.startTime) / 1000;
  const print = (title: string, m: Map<string, number>) => {
    console.log(`\n${title} (of ${total} samples over ${ms.toFixed(0)} ms)`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
      console.log(`${((100 * v) / total).toFixed(1).padStart(6)}%  ${k}`);
    }
  };
  print("self time", self);
  print("inclusive time", inclusive);
}

main();
