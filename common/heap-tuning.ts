/**
 * V8's old-generation growing factor for the worker processes. By default V8
 * lets a small heap grow to up to 4× what survived the last full collection
 * before it collects again: a worker that turns over many small payloads
 * (every workflow task, every activity) then carries tens of MiB of garbage
 * per thread at its peak. With a fixed factor of 1 + n/100 it collects
 * sooner: measured at 50 concurrent issues on this project's benchmark
 * (docs/scaling.md, "Memory against the SDK floor"), the orchestrator's peak
 * RSS went from 1.55–1.56× to 1.38–1.43× of the SDK's floor (the floor tuned
 * alike; three rounds each) for about 5% more orchestrator CPU.
 *
 * V8 reads the factor at every collection, so setting it at start (before
 * the SDK creates its workflow thread) covers every isolate of the process.
 */
import v8 from 'node:v8';

/** The workers' default (WORKER_HEAP_GROWING_PERCENT); 0 leaves V8's own adaptive factor. */
export const DEFAULT_HEAP_GROWING_PERCENT = 20;

export function applyHeapGrowing(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > 300) {
    throw new Error(`heap growing percent must be an integer from 0 to 300, not ${percent}`);
  }
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
