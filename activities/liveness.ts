/**
 * Liveness heartbeats for short upstream calls. A GitHub activity is one or a
 * few HTTP requests, so its progress is not worth recording; what matters is
 * that a worker killed in the middle of one is noticed within the activity's
 * heartbeat timeout (seconds) rather than its start-to-close timeout.
 */
import { Context } from '@temporalio/activity';

export const LIVENESS_INTERVAL_MS = 1000;

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (unit tests, scripts)
  }
}

/** The run id of the workflow that called the current activity (none outside an activity). */
export function callingRunId(): string | undefined {
  return currentContext()?.info.workflowExecution?.runId;
}

/** Runs `fn`, heartbeating every second while it runs (inside an activity). */
export async function whileAlive<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = currentContext();
  if (!ctx) return fn();
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), LIVENESS_INTERVAL_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
