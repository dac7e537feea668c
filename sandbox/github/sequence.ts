/**
 * Deterministic ids and timestamps. The simulated clock starts at a fixed
 * instant and advances one second per reading, so a given sequence of requests
 * always yields the same ids, dates and commit SHAs.
 */
const SIM_EPOCH = Date.parse('2025-01-08T09:00:00Z');

export class Sequence {
  private id = 1000;
  private ticks = 0;

  nextId(): number {
    this.id += 1;
    return this.id;
  }

  /** The next simulated instant, ISO 8601 without milliseconds (GitHub's format). */
  now(): string {
    this.ticks += 1;
    return isoSeconds(new Date(SIM_EPOCH + this.ticks * 1000));
  }
}

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
