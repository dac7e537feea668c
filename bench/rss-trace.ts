/**
 * RSS over time, read the same way for BlogTube's workers and the SDK's floor
 * (bench/prod.ts, bench/floor.ts), so the two are compared at the same moments.
 *
 * Why a trace and not one reading: V8 grows the heap at start and gives it
 * back only after a quiet spell (its memory reducer runs some seconds after
 * the last major GC), so a worker's RSS a few seconds after it polls is
 * 20–40 MiB above where it settles. Idle is read as the median over a window
 * once that has happened, for both sides alike.
 */
import { readFileSync } from 'node:fs';
import { pct } from './stats.js';

export interface RssSample {
  /** Milliseconds since the epoch. */
  at: number;
  rss: number;
}

/** How long after a worker polls its idle RSS is read, and the window it is the median of. */
export const SETTLE_MS = 60_000;
export const SETTLED_WINDOW_MS = 10_000;
/** The early reading (what the benchmark reported as idle before it traced): 5 s after polling. */
export const EARLY_MS = 5_000;

/** VmRSS of a process in bytes (Linux /proc); NaN once it is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** What bench/heap-probe.ts sends over the IPC channel every SAMPLE_EVERY_MS; undefined for other messages. */
export function fromProbe(
  message: unknown,
): { heapUsed: number; heapTotal: number; rss: number } | undefined {
  const m = (message as { blogtubeHeap?: { heapUsed: number; heapTotal: number; rss: number } })
    ?.blogtubeHeap;
  return m && typeof m.rss === 'number' ? m : undefined;
}

/** The first reading within a second after `t`; NaN when there is none. */
export function rssAt(samples: readonly RssSample[], t: number): number {
  return samples.find((s) => s.at >= t && s.at <= t + 1000)?.rss ?? NaN;
}

/** Median RSS of the readings within [from, to]; NaN when there are none. */
export function medianRss(samples: readonly RssSample[], from: number, to: number): number {
  return pct(
    samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.rss),
    50,
  );
}

/** Largest reading at or after `from`; NaN when there are none. */
export function peakRss(samples: readonly RssSample[], from = 0): number {
  const xs = samples.filter((s) => s.at >= from).map((s) => s.rss);
  return xs.length ? Math.max(...xs) : NaN;
}

/** Idle RSS of a worker that started polling at `readyAt`: early (EARLY_MS) and settled (the window ending at SETTLE_MS). */
export interface IdleRss {
  early: number;
  settled: number;
}

export function idleRss(samples: readonly RssSample[], readyAt: number): IdleRss {
  const end = readyAt + SETTLE_MS;
  return {
    early: rssAt(samples, readyAt + EARLY_MS),
    settled: medianRss(samples, end - SETTLED_WINDOW_MS, end),
  };
}
