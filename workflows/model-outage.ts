/**
 * A long model outage pauses an agent instead of failing it (issue 16,
 * property 11). A model call is retried by Temporal for the run's retry
 * window (an hour unless the run settings say otherwise); when the window
 * runs out on failures that could pass (5xx, overloaded, rate limits, timeouts
 * — not a refused key or a bad request), the agent tells the issue run it
 * waits for the model (the run's status and `blogtube status` show it
 * paused), waits as long again and calls again, for up to a day in all.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  isCancellation,
  patched,
  sleep,
} from '@temporalio/workflow';
import type { ExternalWorkflowHandle } from '@temporalio/workflow';
import { rootMessage } from '../common/failures.js';
import type { AgentWorkflowInput } from '../common/schemas.js';
import { agentOutageSignal } from '../common/workflow-api.js';
import { MODEL_RETRY_WINDOW_MS } from './activity-options.js';

/** The longest an agent waits for the model in all before it fails. */
export const MAX_OUTAGE_MS = 24 * 60 * 60_000;

/** Did the call fail because its retry window ran out on failures that could pass? */
export function isModelOutage(err: unknown): boolean {
  if (!(err instanceof ActivityFailure) || isCancellation(err)) return false;
  const cause = err.cause;
  if (cause instanceof TimeoutFailure) return true;
  // No attempt limit: a retryable failure ends the call only when its window ran out.
  return cause instanceof ApplicationFailure && !cause.nonRetryable;
}

export interface OutageHooks {
  /** The retry window of one call (the wait between two tries is as long). */
  windowMs: number;
  paused(reason: string): Promise<void>;
  resumed(): Promise<void>;
}

/** The agent's hooks: it tells the issue run, and `note` its own state (paused, details). */
export function agentOutageHooks(
  input: AgentWorkflowInput,
  parent: ExternalWorkflowHandle,
  note: (paused: boolean, details?: string) => void,
): OutageHooks {
  const agent = input.agent;
  return {
    windowMs: input.modelRetryWindowMs ?? MODEL_RETRY_WINDOW_MS,
    async paused(reason) {
      note(true, `paused: the model is unavailable (${reason.slice(0, 200)})`);
      await parent.signal(agentOutageSignal, { agent, state: 'paused', reason });
    },
    async resumed() {
      note(false);
      await parent.signal(agentOutageSignal, { agent, state: 'resumed', reason: '' });
    },
  };
}

/** `call`, tried again after each window of outage, for at most a day; the agent says when it waits. */
export async function throughOutages<T>(call: () => Promise<T>, hooks: OutageHooks): Promise<T> {
  let waited = 0;
  for (;;) {
    try {
      const result = await call();
      if (waited > 0) await hooks.resumed();
      return result;
    } catch (err) {
      if (!isModelOutage(err) || waited >= MAX_OUTAGE_MS || !patched('model-outage-pause'))
        throw err;
      if (waited === 0) await hooks.paused(rootMessage(err));
      await sleep(hooks.windowMs);
      waited += 2 * hooks.windowMs;
    }
  }
}
