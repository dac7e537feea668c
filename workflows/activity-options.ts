/**
 * Timeouts and retry policies per activity kind (documented in README).
 * Errors arrive classified: non-retryable ones stop at once; rate limits carry
 * their own `nextRetryDelay`; the rest back off exponentially.
 */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * GitHub reads and idempotent writes: short calls, patient retries. They
 * heartbeat every second while they run, so a worker killed mid-call is
 * noticed in 5 s and the call retried elsewhere (the writes find their own
 * earlier result instead of writing twice).
 */
export const GITHUB_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '5 seconds',
  // Longer than GitHub's hourly rate-limit window: a spent quota is waited out
  // (nextRetryDelay from x-ratelimit-reset), not turned into a failed run.
  scheduleToCloseTimeout: '90 minutes',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    // GitHub calls are cheap and some activities make several of them, so a
    // flaky GitHub needs many tries; the breaker, not the backoff, protects
    // an upstream that is down, and rate limits bring their own delay.
    maximumInterval: '5 seconds',
    // Bounded by time (scheduleToClose), not attempts: an open circuit breaker
    // refuses fast, and those refusals must not use up a retry budget.
  },
};

/**
 * Model calls: long responses are fine (they heartbeat as they stream); a dead
 * worker is noticed within the heartbeat timeout and the call retried on another.
 */
export function modelActivityOptions(taskQueue: string): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '5 seconds',
    scheduleToCloseTimeout: '60 minutes',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '60 seconds',
      // Bounded by scheduleToClose, like the GitHub activities.
    },
  };
}

/** Analysis: pure CPU in the orchestrator worker, recorded once in history. */
export const ANALYSIS_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
};
