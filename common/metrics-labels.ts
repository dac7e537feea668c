/**
 * Label values for the Prometheus metrics (no I/O), shared
 * by the workflow interceptors (inside the workflow sandbox) and the workers.
 */

import { parseUpstreamFailureType } from './failures.js';

/** Header the workflow interceptors put on each `callModel` activity (see {@link ModelCallHeader}). */
export const MODEL_CALL_HEADER = 'blogtube-model-call';

export interface ModelCallHeader {
  /** When the calling agent workflow's run started (server time, ms). */
  workflowStartMs: number;
  /** 1 for the agent's first model call, 2 for its second, … */
  seq: number;
}

/** How an issue run ended, as counted by `blogtube_runs_total{outcome}`. */
export type RunOutcome =
  'done' | 'done_partial' | 'failed' | 'answered' | 'rejected' | 'cancelled' | 'error';

/** Outcomes that count against the success rate (alert: under 90 % over an hour). */
export const UNSUCCESSFUL_OUTCOMES: readonly RunOutcome[] = ['failed', 'done_partial', 'error'];

/** The outcome of an issue workflow that returned `result` (its `IssueWorkflowResult`). */
export function runOutcome(result: unknown): RunOutcome {
  const r = (result ?? {}) as { phase?: unknown; draft?: unknown; failedAgents?: unknown };
  switch (r.phase) {
    case 'done': {
      const failed = Array.isArray(r.failedAgents) && r.failedAgents.length > 0;
      return failed || r.draft === true ? 'done_partial' : 'done';
    }
    case 'failed':
    case 'answered':
    case 'rejected':
    case 'cancelled':
      return r.phase;
    default:
      return 'error';
  }
}

/** The agent type of an agent workflow id (`issue:o/r#1/agent:backend` → `backend`). */
export function agentOfWorkflowId(workflowId: string | undefined): string | undefined {
  const m = /\/agent:([a-z_]+)$/.exec(workflowId ?? '');
  return m?.[1];
}

export interface FailureLabels {
  /** `github`, `anthropic`, or `none` for failures that are not an upstream's. */
  upstream: string;
  /** The boundary classifier's class (`rate_limit`, `server`, `circuit_open`, …), a domain failure type, or `other`. */
  errorClass: string;
  retryable: boolean;
}

/**
 * Labels of a failed activity attempt from its ApplicationFailure type
 * (`github.rate_limit`, `anthropic.circuit_open`, `InvalidConfig`) and
 * whether it was marked non-retryable. An error that is no ApplicationFailure
 * (`type` undefined) is `other`, and Temporal retries it.
 */
export function failureLabels(type: string | undefined, nonRetryable: boolean): FailureLabels {
  if (!type) return { upstream: 'none', errorClass: 'other', retryable: !nonRetryable };
  const upstream = parseUpstreamFailureType(type);
  if (upstream) {
    return {
      upstream: upstream.upstream,
      errorClass: safeLabel(upstream.errorClass),
      retryable: !nonRetryable,
    };
  }
  return { upstream: 'none', errorClass: safeLabel(type), retryable: !nonRetryable };
}

/** A label value of bounded shape (metric cardinality must not follow untrusted text). */
function safeLabel(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  return clean || 'other';
}

/** Numeric value of a breaker state for `blogtube_breaker_state` (alert: == 2). */
export function breakerStateValue(state: 'closed' | 'half_open' | 'open'): number {
  return state === 'closed' ? 0 : state === 'half_open' ? 1 : 2;
}
