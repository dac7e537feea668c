/** Knobs and records around the simulated API: latency, faults, PRNG, request log, rate limits. */
import { Faults } from './faults.js';
import { Prng } from './prng.js';

export interface Latency {
  meanMs: number;
  jitterMs: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  at: string;
  user: string | null;
  /** Milliseconds the response was held back after serving (a `holdMs` fault). */
  heldMs?: number;
}

const REQUEST_LOG_LIMIT = 10_000;
const WINDOW_MS = 60 * 60 * 1000;

/**
 * GitHub's primary rate limit, reported but not enforced (tests simulate
 * exhaustion with fault rules). The window follows the real clock so that
 * `x-ratelimit-reset` is meaningful to clients.
 */
class RateLimits {
  private readonly usage = new Map<string, { window: number; used: number }>();

  /** Counts one request for `login` (null: anonymous) and returns the headers to send. */
  take(login: string | null, nowMs: number): Record<string, string> {
    const key = login ?? '';
    const window = Math.floor(nowMs / WINDOW_MS);
    const current = this.usage.get(key);
    const entry = current?.window === window ? current : { window, used: 0 };
    entry.used += 1;
    this.usage.set(key, entry);
    const limit = login ? 5000 : 60;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - entry.used)),
      'x-ratelimit-reset': String(((window + 1) * WINDOW_MS) / 1000),
      'x-ratelimit-used': String(entry.used),
      'x-ratelimit-resource': 'core',
    };
  }

  clear(): void {
    this.usage.clear();
  }
}

export class SimControls {
  readonly prng: Prng;
  readonly faults = new Faults();
  readonly rateLimits = new RateLimits();
  latency: Latency;
  private requestLog: LoggedRequest[] = [];

  constructor(private readonly initial: { seed: number; latency: Latency }) {
    this.prng = new Prng(initial.seed);
    this.latency = { ...initial.latency };
  }

  /** Back to the start-up settings; faults, request log and rate-limit counters cleared. */
  reset(): void {
    this.prng.reseed(this.initial.seed);
    this.latency = { ...this.initial.latency };
    this.faults.clear();
    this.rateLimits.clear();
    this.clearRequests();
  }

  /** Mean plus uniform jitter in [-jitter, +jitter], never negative. */
  delayMs(): number {
    const { meanMs, jitterMs } = this.latency;
    if (meanMs === 0 && jitterMs === 0) return 0;
    return Math.max(0, meanMs + (this.prng.next() * 2 - 1) * jitterMs);
  }

  logRequest(entry: LoggedRequest): void {
    this.requestLog.push(entry);
    if (this.requestLog.length > REQUEST_LOG_LIMIT) this.requestLog.shift();
  }

  requests(): readonly LoggedRequest[] {
    return this.requestLog;
  }

  clearRequests(): void {
    this.requestLog = [];
  }
}
