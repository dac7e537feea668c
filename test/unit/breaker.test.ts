import { describe, expect, it, jest } from '@jest/globals';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { atBoundary } from '../../activities/boundary.js';
import { CircuitBreaker, countsAgainstHealth } from '../../activities/pure/breaker.js';
import type {
  Admission,
  BreakerOptions,
  BreakerState,
  Permit,
} from '../../activities/pure/breaker.js';
import type { ErrorClass } from '../../activities/pure/errors.js';
import { failureOf } from '../support/failures.js';

/** A breaker on a hand-driven clock, recording its transitions. */
function setup(options: Omit<BreakerOptions, 'now' | 'onTransition'> = {}) {
  const clock = { t: 1_000_000 };
  const transitions: [BreakerState, BreakerState, number][] = [];
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    openMs: 2000,
    ...options,
    now: () => clock.t,
    onTransition: (from, to, at) => transitions.push([from, to, at]),
  });
  const advance = (ms: number) => {
    clock.t += ms;
  };
  return { breaker, clock, transitions, advance };
}

function admitted(a: Admission): Permit {
  if (!a.allowed) throw new Error(`expected a permit, got a refusal (${a.retryAfterMs} ms)`);
  return a;
}

function refusedFor(a: Admission): number {
  if (a.allowed) throw new Error('expected a refusal, got a permit');
  return a.retryAfterMs;
}

/** One call that fails unhealthily. */
function fail(breaker: CircuitBreaker, unhealthy = true): void {
  breaker.onFailure(admitted(breaker.acquire()), unhealthy);
}

function succeed(breaker: CircuitBreaker): void {
  breaker.onSuccess(admitted(breaker.acquire()));
}

/** Open the breaker (3 unhealthy failures) and wait out the open period. */
function halfOpen(s: ReturnType<typeof setup>): void {
  for (let i = 0; i < 3; i++) fail(s.breaker);
  s.advance(2000);
  expect(s.breaker.state).toBe('half_open');
}

describe('circuit breaker', () => {
  it('counts only failures that say the upstream is unwell', () => {
    const unhealthy: ErrorClass[] = ['server', 'network', 'timeout', 'overloaded', 'rate_limit'];
    const neutral: ErrorClass[] = ['validation', 'auth', 'conflict', 'unknown'];
    for (const c of unhealthy) expect(countsAgainstHealth(c)).toBe(true);
    for (const c of neutral) expect(countsAgainstHealth(c)).toBe(false);
    expect(countsAgainstHealth(undefined)).toBe(false);
  });

  it('starts closed and admits every caller, none of them a probe', () => {
    const { breaker, transitions } = setup();
    expect(breaker.state).toBe('closed');
    const permits = [breaker.acquire(), breaker.acquire(), breaker.acquire()].map(admitted);
    expect(permits.map((p) => p.probe)).toEqual([false, false, false]);
    expect(transitions).toEqual([]);
  });

  it('opens after exactly N consecutive unhealthy failures', () => {
    const { breaker, clock, transitions } = setup();
    fail(breaker);
    fail(breaker);
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(2);
    fail(breaker);
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual([['closed', 'open', clock.t]]);
  });

  it('a success in between resets the count', () => {
    const { breaker } = setup();
    fail(breaker);
    fail(breaker);
    succeed(breaker);
    expect(breaker.consecutiveFailures).toBe(0);
    fail(breaker);
    fail(breaker);
    expect(breaker.state).toBe('closed');
    fail(breaker);
    expect(breaker.state).toBe('open');
  });

  it('validation and auth failures neither count nor reset the count', () => {
    const { breaker } = setup();
    for (let i = 0; i < 10; i++) fail(breaker, false);
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(0);
    fail(breaker);
    fail(breaker);
    fail(breaker, false); // a 400 in the middle of an outage does not hide it
    expect(breaker.consecutiveFailures).toBe(2);
    fail(breaker);
    expect(breaker.state).toBe('open');
  });

  it('counts the failures of calls admitted at the same time (concurrent callers)', () => {
    const { breaker } = setup();
    const permits = [1, 2, 3].map(() => admitted(breaker.acquire()));
    for (const p of permits) breaker.onFailure(p, true);
    expect(breaker.state).toBe('open');
  });

  it('while open refuses every caller with the time left until half-open, counting down', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i++) fail(breaker);
    expect(refusedFor(breaker.acquire())).toBe(2000);
    advance(500);
    expect(refusedFor(breaker.acquire())).toBe(1500);
    advance(1499);
    const last = breaker.acquire();
    expect(refusedFor(last)).toBe(1);
    expect(last).toMatchObject({ allowed: false, state: 'open' });
    expect(breaker.state).toBe('open');
  });

  it('turns half-open when the open period has passed', () => {
    const s = setup();
    for (let i = 0; i < 3; i++) fail(s.breaker);
    const openedAt = s.clock.t;
    s.advance(2000);
    expect(s.breaker.state).toBe('half_open');
    expect(s.transitions).toEqual([
      ['closed', 'open', openedAt],
      ['open', 'half_open', openedAt + 2000],
    ]);
  });

  it('admits exactly one probe while half-open; concurrent callers are refused and look again within a second', () => {
    const s = setup();
    halfOpen(s);
    const probe = admitted(s.breaker.acquire());
    expect(probe.probe).toBe(true);
    const second = s.breaker.acquire();
    expect(second).toMatchObject({ allowed: false, state: 'half_open', retryAfterMs: 1000 });
    s.advance(1300);
    expect(refusedFor(s.breaker.acquire())).toBe(700);
    expect(s.breaker.state).toBe('half_open');
  });

  it('closes when the probe succeeds, and admits everyone again', () => {
    const s = setup();
    halfOpen(s);
    const probe = admitted(s.breaker.acquire());
    refusedFor(s.breaker.acquire());
    s.breaker.onSuccess(probe);
    expect(s.breaker.state).toBe('closed');
    expect(s.transitions.map(([, to]) => to)).toEqual(['open', 'half_open', 'closed']);
    expect(admitted(s.breaker.acquire()).probe).toBe(false);
    expect(admitted(s.breaker.acquire()).probe).toBe(false);
    // The count starts over: it takes N failures again to open.
    fail(s.breaker);
    fail(s.breaker);
    expect(s.breaker.state).toBe('closed');
  });

  it('re-opens when the probe fails, with a fresh open period', () => {
    const s = setup();
    halfOpen(s);
    const probe = admitted(s.breaker.acquire());
    s.advance(700); // the probe took a while
    s.breaker.onFailure(probe, true);
    expect(s.breaker.state).toBe('open');
    expect(refusedFor(s.breaker.acquire())).toBe(2000);
    s.advance(1999);
    expect(s.breaker.state).toBe('open');
    s.advance(1);
    expect(s.breaker.state).toBe('half_open');
    expect(s.transitions.map(([, to]) => to)).toEqual(['open', 'half_open', 'open', 'half_open']);
  });

  it("a probe's validation failure frees the slot without deciding", () => {
    const s = setup();
    halfOpen(s);
    const probe = admitted(s.breaker.acquire());
    s.breaker.onFailure(probe, false);
    expect(s.breaker.state).toBe('half_open');
    const next = admitted(s.breaker.acquire());
    expect(next.probe).toBe(true);
    refusedFor(s.breaker.acquire());
    s.breaker.onSuccess(next);
    expect(s.breaker.state).toBe('closed');
  });

  it('a probe that never reports does not wedge the breaker: its slot expires', () => {
    const s = setup({ probeTimeoutMs: 5000 });
    halfOpen(s);
    admitted(s.breaker.acquire()); // its caller vanishes without reporting
    s.advance(4999);
    expect(refusedFor(s.breaker.acquire())).toBe(1);
    s.advance(1);
    const second = admitted(s.breaker.acquire());
    expect(second.probe).toBe(true);
    expect(refusedFor(s.breaker.acquire())).toBe(1000); // look again soon, not after the slot
    s.breaker.onSuccess(second);
    expect(s.breaker.state).toBe('closed');
  });

  it('the probe slot expires after openMs by default', () => {
    const s = setup();
    halfOpen(s);
    admitted(s.breaker.acquire());
    s.advance(2000);
    expect(admitted(s.breaker.acquire()).probe).toBe(true);
  });

  it('a slow probe whose slot expired may still decide for its half-open period', () => {
    const s = setup();
    halfOpen(s);
    const slow = admitted(s.breaker.acquire());
    s.advance(2000);
    const second = admitted(s.breaker.acquire());
    s.breaker.onSuccess(slow);
    expect(s.breaker.state).toBe('closed');
    // The second probe's late failure belongs to a period that is over.
    s.breaker.onFailure(second, true);
    expect(s.breaker.consecutiveFailures).toBe(0);
  });

  it('ignores the outcomes of calls admitted before the last state change', () => {
    const s = setup();
    const inFlight = [1, 2, 3, 4].map(() => admitted(s.breaker.acquire()));
    const [a, b, c, d] = inFlight as [Permit, Permit, Permit, Permit];
    s.breaker.onFailure(a, true);
    s.breaker.onFailure(b, true);
    s.breaker.onFailure(c, true);
    expect(s.breaker.state).toBe('open');
    // The fourth call, sent before the breaker opened, succeeds: not a probe, decides nothing.
    s.breaker.onSuccess(d);
    expect(s.breaker.state).toBe('open');
    s.advance(2000);
    const probe = admitted(s.breaker.acquire());
    s.breaker.onFailure(d, true); // stale again: does not re-open a half-open breaker
    expect(s.breaker.state).toBe('half_open');
    s.breaker.onSuccess(probe);
    expect(s.breaker.state).toBe('closed');
    // Nor does a call from the earlier closed period count towards the new one.
    s.breaker.onFailure(a, true);
    expect(s.breaker.consecutiveFailures).toBe(0);
  });

  it('rounds refusals up to whole milliseconds, at least 1', () => {
    const clock = { t: 0.25 };
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 10.5, now: () => clock.t });
    fail(breaker);
    expect(refusedFor(breaker.acquire())).toBe(11);
    clock.t = 10.7;
    expect(refusedFor(breaker.acquire())).toBe(1);
  });

  it('uses defaults of 10 failures and 10 s, and the real clock', () => {
    const breaker = new CircuitBreaker();
    expect(breaker.failureThreshold).toBe(10);
    expect(breaker.openMs).toBe(10_000);
    expect(breaker.probeTimeoutMs).toBe(10_000);
    for (let i = 0; i < 9; i++) fail(breaker);
    expect(breaker.state).toBe('closed');
    fail(breaker);
    const wait = refusedFor(breaker.acquire());
    expect(wait).toBeGreaterThan(9000);
    expect(wait).toBeLessThanOrEqual(10_000);
  });

  it('rejects nonsense options', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ failureThreshold: 1.5 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ openMs: -1 })).toThrow(/openMs/);
    expect(() => new CircuitBreaker({ probeTimeoutMs: Number.NaN })).toThrow(/probeTimeoutMs/);
  });

  it('a throwing transition callback does not break the machine', () => {
    const clock = { t: 0 };
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      openMs: 100,
      now: () => clock.t,
      onTransition: () => {
        throw new Error('metrics down');
      },
    });
    fail(breaker);
    expect(breaker.state).toBe('open');
    clock.t = 100;
    succeed(breaker);
    expect(breaker.state).toBe('closed');
  });
});

describe('atBoundary with a breaker', () => {
  const httpError = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status });
  const connectionError = () =>
    Object.assign(new Error('fetch failed'), {
      cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    });

  it('without a breaker behaves as before', async () => {
    await expect(atBoundary('github', async () => 7)).resolves.toBe(7);
    const f = await failureOf(atBoundary('github', () => Promise.reject(httpError(503))));
    expect(f.type).toBe('github.server');
  });

  it('opens on unhealthy failures, then fails fast without calling the upstream', async () => {
    const s = setup();
    const upstream = jest.fn(() => Promise.reject(httpError(503)));
    for (let i = 0; i < 3; i++) {
      const f = await failureOf(atBoundary('anthropic', upstream, s.breaker));
      expect(f.type).toBe('anthropic.server');
    }
    expect(s.breaker.state).toBe('open');
    s.advance(500);
    const fast = await failureOf(atBoundary('anthropic', upstream, s.breaker));
    expect(upstream).toHaveBeenCalledTimes(3);
    expect(fast.type).toBe('anthropic.circuit_open');
    expect(fast.nonRetryable).toBe(false);
    expect(fast.nextRetryDelay).toBe(1500);

    s.advance(1500);
    await expect(atBoundary('anthropic', async () => 'ok', s.breaker)).resolves.toBe('ok');
    expect(s.breaker.state).toBe('closed');
  });

  it('counts network errors, timeouts, 429 and 529; not 400, 401, conflicts, cancellations or our own bugs', async () => {
    const unhealthy = [httpError(500), httpError(429), httpError(529), connectionError()];
    for (const err of unhealthy) {
      const s = setup({ failureThreshold: 1 });
      await failureOf(atBoundary('anthropic', () => Promise.reject(err), s.breaker));
      expect(s.breaker.state).toBe('open');
    }
    const timeout = Object.assign(new Error('timed out'), { name: 'APIConnectionTimeoutError' });
    const sdkConnection = Object.assign(new Error('Connection error.'), {
      name: 'APIConnectionError',
    });
    for (const err of [timeout, sdkConnection]) {
      const s = setup({ failureThreshold: 1 });
      await failureOf(atBoundary('anthropic', () => Promise.reject(err), s.breaker));
      expect(s.breaker.state).toBe('open');
    }
    const neutral: unknown[] = [
      httpError(400),
      httpError(401),
      httpError(422),
      httpError(409),
      new CancelledFailure('cancelled'),
      new TypeError("Cannot read properties of undefined (reading 'map')"),
      ApplicationFailure.nonRetryable('branch main not found', 'github.validation'),
      ApplicationFailure.retryable('branch kept moving', 'github.conflict'),
    ];
    for (const err of neutral) {
      const s = setup({ failureThreshold: 1 });
      await atBoundary('github', () => Promise.reject(err), s.breaker).catch(() => undefined);
      expect(s.breaker.state).toBe('closed');
    }
  });

  it('a half-open breaker lets one probe through; the concurrent call fails fast', async () => {
    const s = setup();
    halfOpen(s);
    let release: (v: string) => void = () => undefined;
    const probe = atBoundary(
      'github',
      () => new Promise<string>((resolve) => (release = resolve)),
      s.breaker,
    );
    const upstream = jest.fn(async () => 'second');
    const refused = await failureOf(atBoundary('github', upstream, s.breaker));
    expect(upstream).not.toHaveBeenCalled();
    expect(refused.type).toBe('github.circuit_open');
    expect(refused.nextRetryDelay).toBe(1000);
    release('first');
    await expect(probe).resolves.toBe('first');
    expect(s.breaker.state).toBe('closed');
  });

  it("a probe's unexpected throw still reports, so the slot is freed", async () => {
    const s = setup();
    halfOpen(s);
    await atBoundary('github', () => Promise.reject(new TypeError('bug')), s.breaker).catch(
      () => undefined,
    );
    expect(s.breaker.state).toBe('half_open');
    expect(admitted(s.breaker.acquire()).probe).toBe(true);
  });
});
