import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  dropHolders,
  emptyLease,
  enqueue,
  grant,
  grantWaitSeconds,
  MAX_GRANT_WAIT_SECONDS,
  parseAreaLimits,
  release,
  withLimit,
} from '../../workflows/pure/lease-queue.js';
import type { LeaseHolder, LeaseState } from '../../common/lease-api.js';

const h = (n: number): LeaseHolder => ({ workflowId: `w${n}`, runId: `r${n}` });

describe('area lease queue', () => {
  it('grants up to the limit, first come first served, and the next on release', () => {
    let s = withLimit(emptyLease(), 2);
    for (const n of [1, 2, 3, 4]) s = enqueue(s, h(n));
    const g = grant(s);
    expect(g.granted).toEqual([h(1), h(2)]);
    expect(g.state.waiters).toEqual([h(3), h(4)]);
    expect(grant(g.state).granted).toEqual([]);
    const after = grant(release(g.state, h(1)));
    expect(after.granted).toEqual([h(3)]);
    expect(after.state.holders).toEqual([h(2), h(3)]);
  });

  it('a repeated request or an unknown release changes nothing; a waiter can leave', () => {
    let s = grant(enqueue(emptyLease(1), h(1))).state;
    expect(enqueue(s, h(1))).toBe(s);
    s = enqueue(s, h(2));
    expect(enqueue(s, h(2))).toBe(s);
    expect(release(s, h(9))).toEqual(s);
    expect(release(s, h(2)).waiters).toEqual([]);
    // Same workflow, another run: a different requester.
    expect(enqueue(s, { workflowId: 'w1', runId: 'other' }).waiters).toHaveLength(2);
  });

  it('ended holders are dropped; a lower limit applies to later grants only', () => {
    let s = withLimit(emptyLease(), 3);
    for (const n of [1, 2, 3, 4]) s = enqueue(s, h(n));
    s = grant(s).state;
    s = withLimit(s, 1);
    expect(s.holders).toHaveLength(3);
    expect(grant(dropHolders(s, [h(1), h(2)])).granted).toEqual([]);
    expect(grant(dropHolders(s, [h(1), h(2), h(3)])).granted).toEqual([h(4)]);
    expect(withLimit(s, 0).limit).toBe(1);
  });

  it('never more holders than the limit, never a request lost (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('req' as const), n: fc.nat(6) }),
      fc.record({ kind: fc.constant('rel' as const), n: fc.nat(6) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 60 }), (limit, ops) => {
        let s: LeaseState = emptyLease(limit);
        const live = new Set<number>();
        for (const o of ops) {
          if (o.kind === 'req') {
            s = enqueue(s, h(o.n));
            live.add(o.n);
          } else {
            s = release(s, h(o.n));
            live.delete(o.n);
          }
          s = grant(s).state;
          if (s.holders.length > limit) return false;
          if (s.waiters.length > 0 && s.holders.length < limit) return false;
          const all = [...s.holders, ...s.waiters].map((x) => Number(x.workflowId.slice(1)));
          if (all.length !== live.size || !all.every((n) => live.has(n))) return false;
        }
        return true;
      }),
    );
  });

  it('parses AREA_LIMITS', () => {
    expect(parseAreaLimits('database=1, backend=1,devops=1,frontend=2')).toEqual({
      database: 1,
      backend: 1,
      devops: 1,
      frontend: 2,
    });
    expect(parseAreaLimits('')).toEqual({});
    expect(parseAreaLimits('database=0')).toEqual({});
    expect(() => parseAreaLimits('database')).toThrow(/"database" is not area=number/);
  });

  it('bounds every wait for a grant, doubling from the configured one up to 15 minutes', () => {
    expect([0, 1, 2, 3].map((a) => grantWaitSeconds(2, a))).toEqual([2, 4, 8, 16]);
    expect(grantWaitSeconds(undefined, 0)).toBe(60);
    expect(grantWaitSeconds(0, 1)).toBe(120);
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
        fc.nat(10_000),
        (base, attempt) => {
          const wait = grantWaitSeconds(base, attempt);
          return (
            wait > 0 &&
            wait <= MAX_GRANT_WAIT_SECONDS &&
            wait >= Math.min(base ?? 60, MAX_GRANT_WAIT_SECONDS)
          );
        },
      ),
    );
  });
});
