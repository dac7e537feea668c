/**
 * Preloaded into worker processes by the benchmark (`node --import`): sends
 * `process.memoryUsage()` to the parent over the IPC channel every 250 ms (bench/rss-trace.ts reads it).
 * Does nothing without an IPC channel; never keeps the process alive.
 */
if (typeof process.send === 'function') {
  const send = (): void => {
    const m = process.memoryUsage();
    try {
      process.send?.({
        blogtubeHeap: { heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss },
      });
    } catch {
      // parent gone
    }
  };
  const timer = setInterval(send, 250);
  timer.unref();
  (process.channel as { unref?: () => void } | undefined)?.unref?.();
}
export {};
