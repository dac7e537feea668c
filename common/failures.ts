/**
 * Failure types: the one place where the names of the failures BlogTube
 * throws are defined, and where a failure is read back (its type, its root
 * message, whether it is a refused credential). Activities and workflows throw
 * with these constants; workflows, the CLI and the metrics read with these
 * helpers. Workflow-safe: `@temporalio/common` only, no I/O.
 */
import { ApplicationFailure } from '@temporalio/common';

/** Domain failures (not an upstream's answer). All are non-retryable. */
export const Failure = {
  /** `.github/blogtube.yml` is invalid (details: `{ field }`). */
  InvalidConfig: 'InvalidConfig',
  /** A write the path guard refused (outside the agent's areas, protected, too large, …). */
  PathRefused: 'PathRefused',
  /** An agent did not call `finish` within `max_turns`. */
  MaxTurns: 'MaxTurns',
  /** An agent spent its token budget and it was not raised in time. */
  BudgetExhausted: 'BudgetExhausted',
  /** What GitHub holds at the end of a run is not what the run reported. */
  VerificationFailed: 'VerificationFailed',
  /** A workspace is not on the worker asked (removed, or the worker restarted): rebuild it. */
  WorkspaceLost: 'WorkspaceLost',
  /** Recorded edits no longer land on the base commit as they did in the workspace. */
  EditsDiverged: 'EditsDiverged',
} as const;
export type Failure = (typeof Failure)[keyof typeof Failure];

/** The upstreams whose errors are classified at the boundary. */
export type Upstream = 'github' | 'anthropic';

/** The type of a classified upstream failure: `<upstream>.<class>` (`github.rate_limit`, `anthropic.auth`). */
export function upstreamFailureType(upstream: Upstream, errorClass: string): string {
  return `${upstream}.${errorClass}`;
}

/** The parts of an upstream failure type, or undefined for a domain failure type. */
export function parseUpstreamFailureType(
  type: string | undefined,
): { upstream: Upstream; errorClass: string } | undefined {
  if (!type) return undefined;
  const dot = type.indexOf('.');
  const head = type.slice(0, Math.max(0, dot));
  if (head !== 'github' && head !== 'anthropic') return undefined;
  return { upstream: head, errorClass: type.slice(dot + 1) };
}

/** A non-retryable domain failure. */
export function domainFailure(
  type: Failure,
  message: string,
  details?: unknown,
): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    ...(details === undefined ? {} : { details: [details] }),
  });
}

/**
 * The ApplicationFailure type anywhere in a failure's cause chain (child
 * workflow and activity failures wrap the ApplicationFailure in `cause`).
 */
export function failureType(err: unknown): string | undefined {
  let cur: unknown = err;
  while (cur instanceof Error) {
    if (cur instanceof ApplicationFailure && cur.type) return cur.type;
    cur = cur.cause;
  }
  return undefined;
}

/** Whether a failure is of `type` (anywhere in its cause chain). */
export function isFailure(err: unknown, type: Failure): boolean {
  return failureType(err) === type;
}

/** The innermost message of a failure: the reason, not the wrappers' "Activity task failed". */
export function rootMessage(err: unknown): string {
  let cur: unknown = err;
  while (cur instanceof Error && cur.cause instanceof Error) cur = cur.cause;
  return cur instanceof Error ? cur.message : String(cur);
}

/** Whether an upstream refused our credential (`github.auth`, `anthropic.auth`). */
export function isAuthFailure(err: unknown): boolean {
  return parseUpstreamFailureType(failureType(err))?.errorClass === 'auth';
}
