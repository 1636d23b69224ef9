/** Child side: memoryUsage() after a full GC (when started with --expose-gc). */
export function memorySnapshot(): { rss: number; heapUsed: number; heapTotal: number; external: number; gc: boolean } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, gc: gc !== undefined };
}
