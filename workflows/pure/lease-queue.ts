/**
 * The queue of one area lease (a counting semaphore): at most `limit` holders,
 * the rest wait first come, first served. Pure; the semaphore workflow applies
 * these steps to its state as signals arrive.
 */
import type { LeaseHolder, LeaseState } from '../../common/lease-api.js';

export const emptyLease = (limit = 1): LeaseState => ({ limit, holders: [], waiters: [] });

const same = (a: LeaseHolder, b: LeaseHolder): boolean =>
  a.workflowId === b.workflowId && a.runId === b.runId;

/** Adds a request (a repeat of a queued or held one changes nothing). */
export function enqueue(state: LeaseState, req: LeaseHolder): LeaseState {
  const h = { workflowId: req.workflowId, runId: req.runId };
  if (state.holders.some((x) => same(x, h)) || state.waiters.some((x) => same(x, h))) return state;
  return { ...state, waiters: [...state.waiters, h] };
}

export function isHolder(state: LeaseState, h: LeaseHolder): boolean {
  return state.holders.some((x) => same(x, h));
}

/** Drops a holder or waiter (a release of something unknown changes nothing). */
export function release(state: LeaseState, h: LeaseHolder): LeaseState {
  return {
    ...state,
    holders: state.holders.filter((x) => !same(x, h)),
    waiters: state.waiters.filter((x) => !same(x, h)),
  };
}

/** Drops every holder whose run has ended. */
export function dropHolders(state: LeaseState, ended: LeaseHolder[]): LeaseState {
  return ended.reduce((s, h) => ({ ...s, holders: s.holders.filter((x) => !same(x, h)) }), state);
}

/** A new limit (≥ 1) applies to later grants; holders above it keep their lease until release. */
export function withLimit(state: LeaseState, limit: number): LeaseState {
  return { ...state, limit: Math.max(1, Math.floor(limit)) };
}

/** Moves waiters to holders, oldest first, while there is room. */
export function grant(state: LeaseState): { state: LeaseState; granted: LeaseHolder[] } {
  const room = Math.max(0, state.limit - state.holders.length);
  const granted = state.waiters.slice(0, room);
  return {
    state: {
      ...state,
      holders: [...state.holders, ...granted],
      waiters: state.waiters.slice(granted.length),
    },
    granted,
  };
}

/** How long a waiter waits for a grant before it asks again, unless told: one minute. */
export const DEFAULT_GRANT_WAIT_SECONDS = 60;
/** The longest wait between two requests: a waiter's history grows by a few events per request. */
export const MAX_GRANT_WAIT_SECONDS = 15 * 60;

/**
 * The `attempt`-th wait (from 0) for a grant before the waiter asks the
 * semaphore again: `base` seconds, doubling, at most 15 minutes. Bounded, so
 * a semaphore that was terminated (and forgot its queue) is asked again;
 * growing, so a long queue adds few events to a waiter's history.
 */
export function grantWaitSeconds(base: number | undefined, attempt: number): number {
  const first = base !== undefined && base > 0 ? base : DEFAULT_GRANT_WAIT_SECONDS;
  return Math.min(MAX_GRANT_WAIT_SECONDS, first * 2 ** Math.min(attempt, 20));
}

/**
 * Per-area limits from `area=n,area=n` (e.g. `database=1,backend=1,devops=1,frontend=2`).
 * An area not named is not limited; `0` also means no limit.
 */
export function parseAreaLimits(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const m = /^([a-z][a-z0-9_-]*)\s*=\s*(\d+)$/i.exec(item);
    if (!m) throw new Error(`AREA_LIMITS: "${item}" is not area=number`);
    const n = Number(m[2]);
    if (n > 0) out[m[1]!.toLowerCase()] = n;
  }
  return out;
}
