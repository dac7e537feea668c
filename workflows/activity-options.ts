/**
 * Timeouts and retry policies per activity kind (documented in README).
 * Errors arrive classified: non-retryable ones stop at once; rate limits carry
 * their own `nextRetryDelay`; the rest back off exponentially.
 */
import { ActivityCancellationType } from '@temporalio/workflow';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { PRODUCTION_RUN_SETTINGS } from '../common/run-settings-fallback.js';

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
 * A model call that stops heartbeating for this long is taken for lost (its
 * worker died) and retried on another worker. The model worker sends a
 * heartbeat every second (MODEL_HEARTBEAT_THROTTLE_MS), so a live call has
 * two seconds of slack before it would be taken for lost.
 */
export const MODEL_HEARTBEAT_TIMEOUT_MS = 3000;
/** The model worker's `maxHeartbeatThrottleInterval`: heartbeats reach Temporal at least this often. */
export const MODEL_HEARTBEAT_THROTTLE_MS = 1000;
/** How long a model call is retried unless the run settings say otherwise: an hour. */
export const MODEL_RETRY_WINDOW_MS = 60 * 60_000;
/** The first retry of a lost or failed model call comes this soon (then × 2, up to 60 s). */
export const MODEL_FIRST_RETRY_MS = 200;

/**
 * Model calls: long responses are fine (they heartbeat as they stream); a dead
 * worker is noticed within the heartbeat timeout and the call retried on another.
 * `timeoutMs` is the profile's agent timeout: the longest one turn may take.
 */
export function modelActivityOptions(
  taskQueue: string,
  // Children started before run settings may carry none: the production profile's then.
  timeoutMs: number = PRODUCTION_RUN_SETTINGS.modelCallTimeoutMs,
  /** How long the call is retried in all (then the agent pauses for an outage). */
  retryWindowMs: number = MODEL_RETRY_WINDOW_MS,
): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: Math.min(timeoutMs, retryWindowMs),
    heartbeatTimeout: MODEL_HEARTBEAT_TIMEOUT_MS,
    scheduleToCloseTimeout: retryWindowMs,
    retry: {
      initialInterval: MODEL_FIRST_RETRY_MS,
      backoffCoefficient: 2,
      maximumInterval: '60 seconds',
      // Bounded by scheduleToClose, like the GitHub activities.
    },
  };
}

/** Analysis: pure CPU in the orchestrator worker, recorded once in history. */
export function analysisOptions(attempts: number): LocalActivityOptions {
  return { startToCloseTimeout: '10 seconds', retry: { maximumAttempts: attempts } };
}

/**
 * A workspace worker that stops polling its own queue (killed, lost) is
 * noticed when a call waits this long to start there; a running call that
 * stops heartbeating (every second) after the heartbeat timeout.
 */
export const WORKSPACE_SCHEDULE_TO_START_MS = 5000;
export const WORKSPACE_HEARTBEAT_TIMEOUT_MS = 5000;

/** Making a workspace (any workspace worker): tarball, replayed edits, setup. */
export function workspaceCreateOptions(taskQueue: string, setupSeconds: number): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: setupSeconds * 1000 + 10 * 60_000,
    heartbeatTimeout: WORKSPACE_HEARTBEAT_TIMEOUT_MS,
    scheduleToCloseTimeout: '60 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
  };
}

/**
 * A call on the worker holding a workspace (its own queue). Never retried
 * there: a lost worker fails it fast, and the agent rebuilds the workspace
 * elsewhere and calls again (an edit must not be applied twice).
 */
export function workspaceCallOptions(
  taskQueue: string,
  runSeconds = 60,
  /** Attempts on the same worker: only for idempotent calls (the commit's blobs). */
  attempts = 1,
): ActivityOptions {
  return {
    taskQueue,
    scheduleToStartTimeout: WORKSPACE_SCHEDULE_TO_START_MS,
    startToCloseTimeout: (runSeconds + 60) * 1000,
    heartbeatTimeout: WORKSPACE_HEARTBEAT_TIMEOUT_MS,
    retry: { maximumAttempts: attempts, initialInterval: '1 second' },
    // A cancelled agent waits until its running command is killed before it removes the workspace.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}
