import { describe, expect, it } from '@jest/globals';
import { classify } from '../../activities/pure/errors.js';

const now = 1_700_000_000_000;

describe('error classifier', () => {
  it('auth and validation are not retryable', () => {
    expect(classify({ upstream: 'github', status: 401, nowMs: now })).toEqual({
      errorClass: 'auth',
      retryable: false,
    });
    expect(classify({ upstream: 'github', status: 403, nowMs: now }).errorClass).toBe('auth');
    for (const status of [400, 404, 422]) {
      expect(classify({ upstream: 'anthropic', status, nowMs: now })).toEqual({
        errorClass: 'validation',
        retryable: false,
      });
    }
  });

  it('rate limits are retryable after the time the server asks for', () => {
    expect(
      classify({ upstream: 'anthropic', status: 429, headers: { 'retry-after': '7' }, nowMs: now }),
    ).toEqual({
      errorClass: 'rate_limit',
      retryable: true,
      retryAfterMs: 7000,
    });
    const secondary = classify({
      upstream: 'github',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) },
      nowMs: now,
    });
    expect(secondary).toEqual({ errorClass: 'rate_limit', retryable: true, retryAfterMs: 30_000 });
    expect(classify({ upstream: 'anthropic', status: 529, nowMs: now }).errorClass).toBe(
      'overloaded',
    );
  });

  it('server errors, resets and timeouts are retryable', () => {
    expect(classify({ upstream: 'github', status: 502, nowMs: now }).retryable).toBe(true);
    // A 502 while the hourly quota reads spent: back off normally, not until the quota resets.
    const spent = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 3000) };
    expect(classify({ upstream: 'github', status: 502, headers: spent, nowMs: now })).toEqual({
      errorClass: 'server',
      retryable: true,
      retryAfterMs: undefined,
    });
    expect(
      classify({ upstream: 'github', status: 503, headers: { 'retry-after': '7' }, nowMs: now }),
    ).toEqual({ errorClass: 'server', retryable: true, retryAfterMs: 7000 });
    expect(classify({ upstream: 'github', code: 'ECONNRESET', nowMs: now })).toEqual({
      errorClass: 'network',
      retryable: true,
    });
    expect(classify({ upstream: 'anthropic', timedOut: true, nowMs: now })).toEqual({
      errorClass: 'timeout',
      retryable: true,
    });
  });
});

describe('a 403 is not always a dead credential', () => {
  const gh = (status: number, body: object, headers = {}) =>
    classify({ upstream: 'github', status, body, headers, nowMs: now });
  it('too large, secondary rate limit, branch protection, and the credential', () => {
    expect(
      gh(403, { message: 'This API returns blobs up to 1 MB', errors: [{ code: 'too_large' }] }),
    ).toEqual({ errorClass: 'too_large', retryable: false });
    const docs =
      'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';
    expect(gh(403, { message: 'slow down', documentation_url: docs })).toEqual({
      errorClass: 'rate_limit',
      retryable: true,
      retryAfterMs: 60_000,
    });
    expect(gh(403, { message: 'You have exceeded a secondary rate limit.' }).retryAfterMs).toBe(
      60_000,
    );
    expect(gh(403, { documentation_url: docs }, { 'retry-after': '3' }).retryAfterMs).toBe(3000);
    for (const status of [403, 422])
      expect(gh(status, { message: 'Protected branch update failed for refs/heads/x.' })).toEqual({
        errorClass: 'branch_protection',
        retryable: false,
      });
    expect(gh(403, { message: 'Resource not accessible by integration' }).errorClass).toBe('auth');
    expect(gh(401, { message: 'Bad credentials' }).errorClass).toBe('auth');
    // Anthropic has no such cases: a 403 is its credential.
    expect(
      classify({
        upstream: 'anthropic',
        status: 403,
        body: { errors: [{ code: 'too_large' }] },
        nowMs: now,
      }).errorClass,
    ).toBe('auth');
  });
});
