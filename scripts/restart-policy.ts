/** Restart backoff of supervised children (pure). */

export interface RestartPolicy {
  /** Delay before the first restart. */
  initialDelayMs: number;
  /** Delays double per consecutive failure up to this cap. */
  maxDelayMs: number;
  /** A child that stayed up this long has recovered: its failure count resets. */
  resetAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
};

/**
 * After a child exited: its new consecutive-failure count and how long to wait
 * before restarting it (1 s, 2 s, 4 s… capped; back to 1 s once it ran
 * `resetAfterMs`).
 */
export function nextRestart(
  previousFailures: number,
  uptimeMs: number,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): { failures: number; delayMs: number } {
  const failures = uptimeMs >= policy.resetAfterMs ? 1 : previousFailures + 1;
  const delayMs = Math.min(
    policy.initialDelayMs * 2 ** Math.min(failures - 1, 30),
    policy.maxDelayMs,
  );
  return { failures, delayMs };
}

/** `1000` → `1s`, `1500` → `1.5s`, `250` → `250ms`. */
export function formatDelay(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  return `${Number((ms / 1_000).toFixed(1))}s`;
}

/** `(1, null)` → `code 1`; `(null, 'SIGKILL')` → `SIGKILL`. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return signal;
  return `code ${code ?? '?'}`;
}
