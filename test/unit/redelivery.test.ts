/**
 * The redelivery job's choice of deliveries (issue 16, property 10): only
 * events none of whose attempts succeeded, each once (its latest attempt),
 * within the window and the attempt limit; property-based over random
 * delivery logs.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { deliveriesToRedeliver, succeeded } from '../../activities/pure/redelivery.js';
import type { DeliverySummary } from '../../activities/pure/redelivery.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
const d = (id: number, guid: string, status_code: number, minute = id): DeliverySummary => ({
  id,
  guid,
  delivered_at: at(minute),
  status_code,
  status: status_code === 0 ? 'failed to connect' : String(status_code),
});
const rules = { sinceIso: at(0), maxAttempts: 3 };

describe('deliveries to redeliver', () => {
  it('picks the latest attempt of each failed event, oldest event first', () => {
    const log = [
      d(1, 'a', 503),
      d(2, 'b', 200),
      d(3, 'c', 0),
      d(4, 'a', 502),
      d(5, 'd', 503),
      d(6, 'd', 202),
    ];
    expect(deliveriesToRedeliver(log, rules)).toEqual([4, 3]);
  });

  it('leaves alone events past the attempt limit, before the window, or still pending', () => {
    const log = [d(1, 'a', 500), d(2, 'a', 500), d(3, 'a', 500), d(4, 'p', 0)];
    log[3]!.status = 'pending';
    expect(deliveriesToRedeliver(log, rules)).toEqual([]);
    expect(deliveriesToRedeliver([d(1, 'old', 500, 1)], { ...rules, sinceIso: at(2) })).toEqual([]);
  });

  it('never redelivers a succeeded event, and at most once per event (any log)', () => {
    const delivery = fc.record({
      guid: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      status_code: fc.constantFrom(0, 200, 202, 204, 302, 401, 404, 500, 502, 503),
      minute: fc.integer({ min: 0, max: 59 }),
    });
    fc.assert(
      fc.property(
        fc.array(delivery, { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        (raw, max) => {
          const log = raw.map((r, i) => d(i + 1, r.guid, r.status_code, r.minute));
          const ids = deliveriesToRedeliver(log, { sinceIso: at(0), maxAttempts: max });
          const picked = ids.map((id) => log.find((x) => x.id === id)!);
          expect(new Set(picked.map((p) => p.guid)).size).toBe(ids.length);
          for (const p of picked) {
            const attempts = log.filter((x) => x.guid === p.guid);
            expect(attempts.some(succeeded)).toBe(false);
            expect(attempts.length).toBeLessThan(max);
            expect(p.id).toBe(Math.max(...attempts.map((x) => x.id)));
          }
          // Every failed event within the limit is picked.
          const failed = new Set(
            log
              .filter((x) => !log.some((y) => y.guid === x.guid && succeeded(y)))
              .filter((x) => log.filter((y) => y.guid === x.guid).length < max)
              .map((x) => x.guid),
          );
          expect(new Set(picked.map((p) => p.guid))).toEqual(failed);
        },
      ),
      { numRuns: 300, seed: 10 },
    );
  });
});
