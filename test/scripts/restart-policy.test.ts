import { describe, expect, test } from '@jest/globals';
import {
  DEFAULT_RESTART_POLICY,
  describeExit,
  formatDelay,
  nextRestart,
} from '../../scripts/restart-policy.js';

describe('nextRestart', () => {
  test('doubles from 1 s and caps at 30 s while the child keeps failing fast', () => {
    let failures = 0;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = nextRestart(failures, 500);
      failures = next.failures;
      delays.push(next.delayMs);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  test('resets to 1 s once the child stayed up 60 s', () => {
    expect(nextRestart(5, 59_999)).toEqual({ failures: 6, delayMs: 30_000 });
    expect(nextRestart(5, 60_000)).toEqual({ failures: 1, delayMs: 1_000 });
  });

  test('follows a custom policy and never overflows', () => {
    const policy = { initialDelayMs: 50, maxDelayMs: 200, resetAfterMs: 1_000 };
    expect(nextRestart(0, 0, policy).delayMs).toBe(50);
    expect(nextRestart(1, 0, policy).delayMs).toBe(100);
    expect(nextRestart(10_000, 0, policy).delayMs).toBe(200);
    expect(nextRestart(10_000, 0, DEFAULT_RESTART_POLICY).delayMs).toBe(30_000);
  });
});

test('formatDelay', () => {
  expect(formatDelay(1000)).toBe('1s');
  expect(formatDelay(30_000)).toBe('30s');
  expect(formatDelay(1500)).toBe('1.5s');
  expect(formatDelay(50)).toBe('50ms');
});

test('describeExit', () => {
  expect(describeExit(1, null)).toBe('code 1');
  expect(describeExit(null, 'SIGKILL')).toBe('SIGKILL');
  expect(describeExit(0, null)).toBe('code 0');
});
