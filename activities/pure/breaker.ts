/**
 * A circuit breaker for one upstream in one worker process: a pure state
 * machine (no Temporal, no I/O, time injected through `now`).
 *
 *   closed ──N consecutive unhealthy failures──▶ open
 *   open ──openMs elapsed──▶ half_open
 *   half_open ──the probe succeeds──▶ closed
 *   half_open ──the probe fails (unhealthy)──▶ open (a fresh open period)
 *
 * Only failures that say the upstream is unwell count (see {@link countsAgainstHealth}).
 * Validation, auth and conflict failures neither count nor reset the count: a
 * 400 says nothing about an outage, and must not hide one either.
 *
 * While half-open exactly one call (the probe) is admitted; concurrent callers
 * are refused. A probe whose caller never reports does not wedge the breaker:
 * its slot expires after `probeTimeoutMs` and the next caller probes. Any probe
 * of the current half-open period may decide (a slow first probe that succeeds
 * after its slot expired still closes the breaker).
 *
 * Reports are tied to the permit `acquire()` gave: a call admitted before the
 * breaker last changed state is stale, and its outcome is ignored (the calls
 * that were in flight when it opened cannot re-open it, and cannot close it).
 */
import type { ErrorClass } from './errors.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive unhealthy failures that open the breaker (default 10). */
  failureThreshold?: number;
  /** How long the breaker stays open before it lets a probe through (default 10 s). */
  openMs?: number;
  /** After this long without a report, a probe's slot is given to the next caller (default `openMs`). */
  probeTimeoutMs?: number;
  /** Milliseconds clock (default `Date.now`). */
  now?: () => number;
  /** Called after every state change (for logs and metrics); errors it throws are ignored. */
  onTransition?: (from: BreakerState, to: BreakerState, atMs: number) => void;
}

/** Admission to call the upstream: report its outcome with `onSuccess` / `onFailure`. */
export interface Permit {
  readonly allowed: true;
  /** This call is the half-open probe. */
  readonly probe: boolean;
  /** Generation of the breaker state that admitted the call. */
  readonly epoch: number;
  readonly id: number;
}

/** Refusal: fail fast, try again in `retryAfterMs`. */
export interface Refusal {
  readonly allowed: false;
  readonly state: 'open' | 'half_open';
  /** Open: time left until half-open. Half-open: time left until the probe's slot expires. */
  readonly retryAfterMs: number;
}

export type Admission = Permit | Refusal;

/**
 * Ten in a row: an outage (every call failing) opens the breaker within a
 * second of traffic, while a degraded upstream failing 40% of calls at random
 * opens it about once in 20,000 calls (five in a row: once in 160).
 */
export const DEFAULT_FAILURE_THRESHOLD = 10;
/** While a probe is in flight, refused callers look again this soon. */
export const HALF_OPEN_RECHECK_MS = 1000;
export const DEFAULT_OPEN_MS = 10_000;

const UNHEALTHY: ReadonlySet<ErrorClass> = new Set([
  'server',
  'network',
  'timeout',
  'overloaded',
  'rate_limit',
]);

/** Failure classes that say the upstream is unwell (5xx, network, timeout, 529, 429). */
export function countsAgainstHealth(errorClass: ErrorClass | undefined): boolean {
  return errorClass !== undefined && UNHEALTHY.has(errorClass);
}

function positive(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`,
    );
  }
  return value;
}

export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly openMs: number;
  readonly probeTimeoutMs: number;
  private readonly now: () => number;
  private readonly onTransition?: BreakerOptions['onTransition'];

  private current: BreakerState = 'closed';
  private epoch = 0;
  private nextId = 1;
  private failures = 0;
  private openUntil = 0;
  /** The probe in flight while half-open: its permit id and when its slot expires. */
  private probe: { id: number; until: number } | undefined;

  constructor(options: BreakerOptions = {}) {
    this.failureThreshold = positive(
      'failureThreshold',
      options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
      true,
    );
    this.openMs = positive('openMs', options.openMs ?? DEFAULT_OPEN_MS);
    this.probeTimeoutMs = positive('probeTimeoutMs', options.probeTimeoutMs ?? this.openMs);
    this.now = options.now ?? Date.now;
    this.onTransition = options.onTransition;
  }

  /** The state now (an open breaker whose period has passed reads as half-open). */
  get state(): BreakerState {
    this.tick(this.now());
    return this.current;
  }

  /** Unhealthy failures in a row while closed. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Ask to call the upstream. */
  acquire(): Admission {
    const now = this.now();
    this.tick(now);
    switch (this.current) {
      case 'closed':
        return this.permit(false);
      case 'open':
        return { allowed: false, state: 'open', retryAfterMs: wait(this.openUntil - now) };
      case 'half_open':
        if (this.probe && now < this.probe.until) {
          // Look again soon: a probe usually answers in well under its slot.
          const left = Math.min(this.probe.until - now, HALF_OPEN_RECHECK_MS);
          return { allowed: false, state: 'half_open', retryAfterMs: wait(left) };
        }
        {
          const p = this.permit(true);
          this.probe = { id: p.id, until: now + this.probeTimeoutMs };
          return p;
        }
    }
  }

  /** The admitted call succeeded. */
  onSuccess(permit: Permit): void {
    this.tick(this.now());
    if (permit.epoch !== this.epoch) return;
    if (this.current === 'closed') this.failures = 0;
    else if (this.current === 'half_open') this.transition('closed');
  }

  /**
   * The admitted call failed; `unhealthy` says whether the failure says the
   * upstream is unwell ({@link countsAgainstHealth}). Other failures neither
   * count nor reset the count; a probe's such failure frees the probe slot.
   */
  onFailure(permit: Permit, unhealthy: boolean): void {
    this.tick(this.now());
    if (permit.epoch !== this.epoch) return;
    if (this.current === 'closed') {
      if (!unhealthy) return;
      this.failures++;
      if (this.failures >= this.failureThreshold) this.transition('open');
    } else if (this.current === 'half_open') {
      if (unhealthy) this.transition('open');
      else if (this.probe?.id === permit.id) this.probe = undefined;
    }
  }

  private permit(probe: boolean): Permit {
    return { allowed: true, probe, epoch: this.epoch, id: this.nextId++ };
  }

  private tick(now: number): void {
    if (this.current === 'open' && now >= this.openUntil) this.transition('half_open', now);
  }

  private transition(to: BreakerState, now = this.now()): void {
    const from = this.current;
    this.current = to;
    this.epoch++;
    this.failures = 0;
    this.probe = undefined;
    if (to === 'open') this.openUntil = now + this.openMs;
    try {
      this.onTransition?.(from, to, now);
    } catch {
      // Metrics must not break the breaker.
    }
  }
}

function wait(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}
