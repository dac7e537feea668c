/**
 * Error classification at the boundary: one pure function maps what an
 * upstream answered (status, headers, network error code) to a class, whether
 * a retry can help, and how long to wait. No string matching on messages.
 */

export type Upstream = 'github' | 'anthropic';

export type ErrorClass =
  | 'auth'
  | 'validation'
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
  nowMs: number;
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
    (header(facts, 'retry-after') !== undefined || header(facts, 'x-ratelimit-remaining') === '0')
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
  if (status === 429 || isGitHubRateLimit(facts)) {
    return { errorClass: 'rate_limit', retryable: true, retryAfterMs: retryAfterMs(facts) };
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
