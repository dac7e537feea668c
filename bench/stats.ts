/** Small statistics for the benchmark (pure). */

/** Nearest-rank percentile of an unsorted sample; NaN when empty. */
export function pct(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** The median of the finite values (the mean of the middle two for an even count); NaN when none. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const mid = v.length / 2;
  if (v.length === 0) return NaN;
  return v.length % 2
    ? (v[Math.floor(mid)] as number)
    : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  const r = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : NaN);
  return {
    n,
    min: r(n ? Math.min(...values) : NaN),
    p50: r(pct(values, 50)),
    p99: r(pct(values, 99)),
    max: r(n ? Math.max(...values) : NaN),
    mean: r(n ? values.reduce((a, b) => a + b, 0) / n : NaN),
  };
}

/** Milliseconds as a short human string. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function fmtMiB(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : '–';
}

/** measured / target, as "0.12×" (lower is better for times). */
export function ratio(measured: number, target: number): string {
  if (!Number.isFinite(measured) || !Number.isFinite(target) || target === 0) return '–';
  const r = measured / target;
  return `${r < 0.01 ? r.toFixed(4) : r < 1 ? r.toFixed(3) : r.toFixed(2)}×`;
}
