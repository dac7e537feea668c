/**
 * Error classification at the boundary: one pure function maps what an
 * upstream answered (status, headers, network error code) to a class, whether
 * a retry can help, and how long to wait. No string matching on messages.
 */

import type { Upstream } from '../../common/failures.js';

export type { Upstream };

export type ErrorClass =
  | 'auth'
  | 'validation'
  /** GitHub: a file over the contents API's 1 MB (the caller can read something else). */
  | 'too_large'
  /** GitHub: the branch's protection rules refused the write (not the credential). */
  | 'branch_protection'
  | 'rate_limit'
  | 'overloaded'
  | 'conflict'
  | 'server'
  | 'network'
  | 'timeout'
  | 'unknown';

export interface ErrorFacts {
  upstream: Upstream;
  status?: number;
  headers?: Readonly<Record<string, string | undefined>>;
  /** Node/undici network error code (ECONNRESET, ETIMEDOUT, …). */
  code?: string;
  /** True when the client gave up waiting (SDK timeout). */
  timedOut?: boolean;
  /** The error body's structured fields (GitHub: `documentation_url`, `errors[].code`, `message`). */
  body?: ErrorBody;
  nowMs: number;
}

export interface ErrorBody {
  message?: string;
  documentation_url?: string;
  errors?: readonly { code?: string }[];
}

export interface Classification {
  errorClass: ErrorClass;
  retryable: boolean;
  /** Server-requested delay before the next attempt. */
  retryAfterMs?: number;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function header(facts: ErrorFacts, name: string): string | undefined {
  return facts.headers?.[name] ?? facts.headers?.[name.toLowerCase()];
}

/** `retry-after` (seconds or HTTP date), else GitHub's `x-ratelimit-reset` (epoch seconds). */
export function retryAfterMs(facts: ErrorFacts): number | undefined {
  const ra = header(facts, 'retry-after');
  if (ra !== undefined) {
    const secs = Number(ra);
    if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
    const date = Date.parse(ra);
    if (Number.isFinite(date)) return Math.max(0, date - facts.nowMs);
  }
  const reset = Number(header(facts, 'x-ratelimit-reset'));
  if (header(facts, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) {
    return Math.max(0, reset * 1000 - facts.nowMs);
  }
  return undefined;
}

/** `retry-after` alone (seconds or HTTP date). */
function explicitRetryAfterMs(facts: ErrorFacts): number | undefined {
  if (header(facts, 'retry-after') === undefined) return undefined;
  return retryAfterMs(facts);
}

function isGitHubRateLimit(facts: ErrorFacts): boolean {
  return (
    facts.upstream === 'github' &&
    facts.status === 403 &&
    (header(facts, 'retry-after') !== undefined ||
      header(facts, 'x-ratelimit-remaining') === '0' ||
      isSecondaryRateLimit(facts))
  );
}

/**
 * GitHub's secondary rate limit, which may come without `retry-after`: its
 * documentation link names it (the one fact in the body meant for machines).
 */
function isSecondaryRateLimit(facts: ErrorFacts): boolean {
  const doc = facts.body?.documentation_url ?? '';
  return (
    doc.includes('secondary-rate-limit') || /secondary rate limit/i.test(facts.body?.message ?? '')
  );
}

/** GitHub's advice for a secondary limit without `retry-after`: wait at least a minute. */
const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;

/** The contents API's `too_large` (a blob over 1 MB). */
function isTooLarge(facts: ErrorFacts): boolean {
  return (
    facts.upstream === 'github' &&
    facts.status === 403 &&
    (facts.body?.errors ?? []).some((e) => e?.code === 'too_large')
  );
}

/** A write refused by branch protection: GitHub says so only in its message (422, or 403 from a hook). */
function isBranchProtection(facts: ErrorFacts): boolean {
  return (
    facts.upstream === 'github' &&
    (facts.status === 403 || facts.status === 422) &&
    /protected branch/i.test(facts.body?.message ?? '')
  );
}

export function classify(facts: ErrorFacts): Classification {
  const { status } = facts;
  if (status === undefined) {
    if (facts.timedOut || (facts.code && TIMEOUT_CODES.has(facts.code))) {
      return { errorClass: 'timeout', retryable: true };
    }
    if (facts.code && NETWORK_CODES.has(facts.code)) {
      return { errorClass: 'network', retryable: true };
    }
    return { errorClass: 'network', retryable: true };
  }
  if (isTooLarge(facts)) return { errorClass: 'too_large', retryable: false };
  if (isBranchProtection(facts)) return { errorClass: 'branch_protection', retryable: false };
  if (status === 429 || isGitHubRateLimit(facts)) {
    const wait =
      retryAfterMs(facts) ??
      (isSecondaryRateLimit(facts) ? SECONDARY_RATE_LIMIT_WAIT_MS : undefined);
    return { errorClass: 'rate_limit', retryable: true, retryAfterMs: wait };
  }
  if (status === 529) {
    return { errorClass: 'overloaded', retryable: true, retryAfterMs: retryAfterMs(facts) };
  }
  if (status === 401 || status === 403) return { errorClass: 'auth', retryable: false };
  if (status === 409) return { errorClass: 'conflict', retryable: true };
  if (status === 408) return { errorClass: 'timeout', retryable: true };
  if (status >= 500) {
    // Only an explicit `retry-after` counts here: a spent hourly quota in the
    // x-ratelimit headers says nothing about a 502, and waiting out its reset
    // (up to an hour) could outlast the activity's whole retry budget.
    return { errorClass: 'server', retryable: true, retryAfterMs: explicitRetryAfterMs(facts) };
  }
  if (status >= 400) return { errorClass: 'validation', retryable: false };
  return { errorClass: 'unknown', retryable: true };
}
