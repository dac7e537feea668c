/**
 * Turns whatever an upstream client threw into a Temporal ApplicationFailure,
 * classified once (activities/pure/errors.ts). Temporal owns the retries:
 * non-retryable failures stop at once, rate limits carry `nextRetryDelay`.
 * With a circuit breaker (activities/pure/breaker.ts), an open circuit fails
 * fast without calling the upstream, and Temporal waits out the open period.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { parseUpstreamFailureType, upstreamFailureType } from '../common/failures.js';
import { countsAgainstHealth } from './pure/breaker.js';
import type { CircuitBreaker, Refusal } from './pure/breaker.js';
import { classify } from './pure/errors.js';
import type { Classification, ErrorBody, ErrorClass, ErrorFacts, Upstream } from './pure/errors.js';

function headersToRecord(h: unknown): Record<string, string> | undefined {
  if (!h || typeof h !== 'object') return undefined;
  if (typeof (h as Headers).forEach === 'function' && typeof (h as Headers).get === 'function') {
    const out: Record<string, string> = {};
    (h as Headers).forEach((v, k) => (out[k.toLowerCase()] = v));
    return out;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
    if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
  }
  return out;
}

function findCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur && typeof cur === 'object'; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The facts of an error from Octokit (RequestError) or the Anthropic SDK (APIError). */
export function errorFacts(err: unknown, upstream: Upstream, nowMs = Date.now()): ErrorFacts {
  const e = err as {
    status?: unknown;
    headers?: unknown;
    response?: { headers?: unknown };
    name?: string;
  };
  const status = typeof e?.status === 'number' && e.status > 0 ? e.status : undefined;
  const headers = headersToRecord(e?.response?.headers ?? e?.headers);
  const timedOut = e?.name === 'APIConnectionTimeoutError' || e?.name === 'TimeoutError';
  const data = (e as { response?: { data?: unknown } })?.response?.data;
  const body = data && typeof data === 'object' ? (data as ErrorBody) : undefined;
  return { upstream, status, headers, code: findCode(err), timedOut, body, nowMs };
}

const CREDENTIAL: Record<Upstream, string> = {
  github: 'GITHUB_TOKEN',
  anthropic: 'ANTHROPIC_API_KEY',
};

const HINTS: Partial<Record<ErrorClass, (upstream: Upstream) => string>> = {
  auth: (upstream) =>
    ` — the credential was refused: check ${CREDENTIAL[upstream]} (or the GitHub App's installation and permissions)`,
  branch_protection: () =>
    ' — the branch is protected: let the BlogTube account push to blogtube/** branches, or keep them out of the protection rule',
  too_large: () => " — the file is over the contents API's 1 MB limit",
};

export function describe(upstream: Upstream, c: Classification, facts: ErrorFacts, err: unknown) {
  const what = facts.status ? `HTTP ${facts.status}` : (facts.code ?? 'connection failed');
  const detail = err instanceof Error ? err.message.split('\n')[0]?.slice(0, 300) : String(err);
  const hint = HINTS[c.errorClass]?.(upstream) ?? '';
  return `${upstream} ${c.errorClass} error (${what}): ${detail}${hint}`;
}

/** Rethrow an upstream error as a classified ApplicationFailure. */
export function toFailure(err: unknown, upstream: Upstream): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const facts = errorFacts(err, upstream);
  const c = classify(facts);
  return ApplicationFailure.create({
    type: upstreamFailureType(upstream, c.errorClass),
    message: describe(upstream, c, facts, err),
    nonRetryable: !c.retryable,
    nextRetryDelay: c.retryAfterMs !== undefined ? Math.max(1, c.retryAfterMs) : undefined,
    details: [{ status: facts.status ?? null, errorClass: c.errorClass }],
  });
}

/** The retryable failure of a call refused by an open circuit: Temporal retries it when half-open. */
export function circuitOpenFailure(upstream: Upstream, refusal: Refusal): ApplicationFailure {
  return ApplicationFailure.create({
    type: upstreamFailureType(upstream, 'circuit_open'),
    message: `${upstream} circuit ${refusal.state === 'open' ? 'open' : 'half-open, probe in flight'}: not calling it, retry in ${refusal.retryAfterMs} ms`,
    nonRetryable: false,
    nextRetryDelay: refusal.retryAfterMs,
    details: [{ errorClass: 'circuit_open', retryAfterMs: refusal.retryAfterMs }],
  });
}

function isCancellation(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return err instanceof CancelledFailure || name === 'AbortError' || name === 'APIUserAbortError';
}

/**
 * Whether a failed call says the upstream is unwell (breaker accounting).
 * Cancellations say nothing. `network` is the classifier's catch-all for
 * errors without a status, so it counts only with evidence that the connection
 * failed (an error code, or an SDK connection error); a bug in our own code
 * inside `fn` must not open the circuit.
 */
export function indicatesUnhealthy(
  err: unknown,
  failure: ApplicationFailure,
  upstream: Upstream,
): boolean {
  if (isCancellation(err)) return false;
  const parsed = parseUpstreamFailureType(failure.type ?? undefined);
  const errorClass = parsed?.upstream === upstream ? (parsed.errorClass as ErrorClass) : undefined;
  if (!countsAgainstHealth(errorClass)) return false;
  if (errorClass !== 'network' || err instanceof ApplicationFailure) return true;
  const facts = errorFacts(err, upstream);
  const name = (err as { name?: unknown })?.name;
  return facts.code !== undefined || name === 'APIConnectionError';
}

/**
 * Run `fn` as one call through `breaker`: refused with a retryable
 * `<upstream>.circuit_open` failure whose `nextRetryDelay` is the time the
 * breaker asks for; an admitted call reports its outcome. Errors pass through
 * as thrown (classify them with {@link toFailure}).
 */
export async function throughBreaker<T>(
  upstream: Upstream,
  breaker: CircuitBreaker,
  fn: () => Promise<T>,
): Promise<T> {
  const admission = breaker.acquire();
  if (!admission.allowed) throw circuitOpenFailure(upstream, admission);
  let outcome: 'success' | 'unhealthy' | 'neutral' = 'neutral';
  try {
    const result = await fn();
    outcome = 'success';
    return result;
  } catch (err) {
    if (indicatesUnhealthy(err, toFailure(err, upstream), upstream)) outcome = 'unhealthy';
    throw err;
  } finally {
    // Always report, so a probe's slot is never left taken.
    if (outcome === 'success') breaker.onSuccess(admission);
    else breaker.onFailure(admission, outcome === 'unhealthy');
  }
}

/**
 * Run an upstream call, classifying anything it throws. With a breaker, `fn`
 * is one call through it ({@link throughBreaker}); an activity that makes
 * several requests guards each request instead (the GitHub client's hook,
 * activities/github.ts), so that a flaky upstream is judged by its requests,
 * not by how many requests an activity makes.
 */
export async function atBoundary<T>(
  upstream: Upstream,
  fn: () => Promise<T>,
  breaker?: CircuitBreaker,
): Promise<T> {
  try {
    return await (breaker ? throughBreaker(upstream, breaker, fn) : fn());
  } catch (err) {
    throw toFailure(err, upstream);
  }
}
