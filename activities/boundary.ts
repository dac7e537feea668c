/**
 * Turns whatever an upstream client threw into a Temporal ApplicationFailure,
 * classified once (activities/pure/errors.ts). Temporal owns the retries:
 * non-retryable failures stop at once, rate limits carry `nextRetryDelay`.
 */
import { ApplicationFailure } from '@temporalio/common';
import { classify } from './pure/errors.js';
import type { Classification, ErrorFacts, Upstream } from './pure/errors.js';

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
  return { upstream, status, headers, code: findCode(err), timedOut, nowMs };
}

const CREDENTIAL: Record<Upstream, string> = {
  github: 'GITHUB_TOKEN',
  anthropic: 'ANTHROPIC_API_KEY',
};

export function describe(upstream: Upstream, c: Classification, facts: ErrorFacts, err: unknown) {
  const what = facts.status ? `HTTP ${facts.status}` : (facts.code ?? 'connection failed');
  const detail = err instanceof Error ? err.message.split('\n')[0]?.slice(0, 300) : String(err);
  const hint = c.errorClass === 'auth' ? ` — check the ${CREDENTIAL[upstream]} credential` : '';
  return `${upstream} ${c.errorClass} error (${what}): ${detail}${hint}`;
}

/** Rethrow an upstream error as a classified ApplicationFailure. */
export function toFailure(err: unknown, upstream: Upstream): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const facts = errorFacts(err, upstream);
  const c = classify(facts);
  return ApplicationFailure.create({
    type: `${upstream}.${c.errorClass}`,
    message: describe(upstream, c, facts, err),
    nonRetryable: !c.retryable,
    nextRetryDelay: c.retryAfterMs !== undefined ? Math.max(1, c.retryAfterMs) : undefined,
    details: [{ status: facts.status ?? null, errorClass: c.errorClass }],
  });
}

/** Run an upstream call, classifying anything it throws. */
export async function atBoundary<T>(upstream: Upstream, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFailure(err, upstream);
  }
}
