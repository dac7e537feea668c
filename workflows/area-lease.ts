/**
 * Per-area limits across issues (Temporal's mutex pattern, counting): one
 * semaphore workflow per (repository, area) holds the leases. An agent asks
 * with signalWithStart (through the `requestAreaLease` activity), waits for the
 * grant signal, and releases when its work ends, whatever way it ends. A
 * lease is never freed by a timer: while requests wait, the semaphore asks
 * Temporal whether each holder's run is still running, and frees the lease of
 * a run that has ended (terminated, timed out, crashed past its retries).
 * The semaphore continues as new when its history grows, carrying its queue.
 *
 * Leases cannot be held hostage (issue 16, property 9): an agent paused on its
 * budget gives its lease back and queues again when resumed (`LeaseControl`),
 * and a wait for a grant is bounded: when no grant came in time the agent asks
 * again, which starts a semaphore that was terminated anew and queues the
 * agent there.
 */
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { LeaseActivities } from '../activities/lease.js';
import {
  acquireLeaseSignal,
  leaseGrantedSignal,
  leaseStateQuery,
  releaseLeaseSignal,
} from '../common/lease-api.js';
import type { AreaLeaseInput, LeaseHolder } from '../common/lease-api.js';
import {
  dropHolders,
  emptyLease,
  enqueue,
  grant,
  grantWaitSeconds,
  isHolder,
  release,
  withLimit,
} from './pure/lease-queue.js';

const { describeLeaseHolders } = proxyActivities<LeaseActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
const LEASE_REQUEST_RETRY = { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' };
/** As recorded before the request became a local activity (replayed runs only). */
const { requestAreaLease: requestAreaLeaseByTaskQueue } = proxyActivities<LeaseActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: LEASE_REQUEST_RETRY,
});
/**
 * A local activity: it runs in the agent's own workflow task on the
 * orchestrator, with no task-queue round trip, and an area without a limit
 * costs nothing more than that (signalWithStart is idempotent for a holder,
 * so a retried request queues it once).
 */
const { requestAreaLease: requestAreaLeaseLocally } = proxyLocalActivities<LeaseActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: LEASE_REQUEST_RETRY,
});

/** Continue as new well before Temporal's warning (10,240 events). */
const HISTORY_EVENTS_LIMIT = 2000;
/** An idle semaphore (no holder, no waiter) ends after this; the next request starts it again. */
const IDLE_TIMEOUT = '10 minutes';

export async function areaLeaseWorkflow(input: AreaLeaseInput): Promise<void> {
  let state = input.state ?? emptyLease();
  let changed = false;
  /** Holders that asked again (e.g. a grant signal they may have missed): granted again. */
  const regrant: LeaseHolder[] = [];
  setHandler(acquireLeaseSignal, (req) => {
    const holder = { workflowId: req.workflowId, runId: req.runId };
    state = withLimit(state, req.limit);
    if (isHolder(state, holder)) regrant.push(holder);
    else state = enqueue(state, holder);
    changed = true;
  });
  setHandler(releaseLeaseSignal, (holder) => {
    state = release(state, holder);
    changed = true;
  });
  setHandler(leaseStateQuery, () => state);
  const livenessEvery = `${input.livenessCheckSeconds ?? 30} seconds`;

  for (;;) {
    const next = grant(state);
    state = next.state;
    const notify = [...next.granted, ...regrant.splice(0, regrant.length)];
    let gone = false;
    for (const holder of notify) {
      try {
        await getExternalWorkflowHandle(holder.workflowId, holder.runId).signal(
          leaseGrantedSignal,
          {
            area: input.area,
          },
        );
      } catch {
        // The run ended before its grant arrived: the lease goes to the next in line.
        state = release(state, holder);
        gone = true;
      }
    }
    if (gone) continue;

    changed = false;
    if (state.waiters.length > 0) {
      // Full, with requests waiting: free the leases of runs that have ended.
      const ended = await describeLeaseHolders(state.holders);
      if (ended.length > 0) {
        state = dropHolders(state, ended);
        continue;
      }
      await condition(() => changed, livenessEvery);
    } else if (state.holders.length === 0) {
      if (!(await condition(() => changed, IDLE_TIMEOUT)) && state.waiters.length === 0) {
        await condition(allHandlersFinished);
        return;
      }
    } else {
      await condition(() => changed);
    }

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_LIMIT) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof areaLeaseWorkflow>({ ...input, state });
    }
  }
}

/** What the work under a lease can do with it: give it back while it waits, and queue again. */
export interface LeaseControl {
  /** Gives the lease back (a budget pause): the next agent in line gets it. */
  release(): Promise<void>;
  /** Queues again after `release` and waits for a grant (nothing when the lease is held). */
  acquire(): Promise<void>;
}

/** The control of an area without a limit, or of a run recorded before leases. */
export const NO_LEASE: LeaseControl = { release: async () => {}, acquire: async () => {} };

/**
 * Runs `work` while holding a lease on `area` of `repo` (`owner/repo`). An area
 * without a configured limit runs at once. The lease is released when `work`
 * ends, fails or is cancelled; if this run is terminated instead, the
 * semaphore notices the next time someone waits.
 */
export async function withAreaLease<T>(
  repo: string,
  area: string,
  work: (lease: LeaseControl) => Promise<T>,
): Promise<T> {
  let granted = false;
  setHandler(leaseGrantedSignal, () => {
    granted = true;
  });
  const { workflowId, runId } = workflowInfo();
  const holder: LeaseHolder = { workflowId, runId };
  const request = patched('area-lease-local')
    ? requestAreaLeaseLocally
    : requestAreaLeaseByTaskQueue;
  const lease = await request({ repo, area, holder });
  if (!lease.leaseWorkflowId) return work(NO_LEASE);
  const leaseWorkflowId = lease.leaseWorkflowId;
  // Runs recorded before the bounded wait replay the unbounded one.
  const bounded = patched('area-lease-bounded-wait');
  let held = false;
  const waitForGrant = async () => {
    for (let attempt = 0; ; attempt++) {
      if (!bounded) await condition(() => granted);
      else if (
        !(await condition(
          () => granted,
          `${grantWaitSeconds(lease.recheckSeconds, attempt)} seconds`,
        ))
      ) {
        // No grant in time: ask again. A live semaphore keeps this run's place (or grants
        // again what it holds); one that was terminated is started anew and queues it.
        await request({ repo, area, holder });
        continue;
      }
      held = true;
      return;
    }
  };
  const giveBack = () =>
    CancellationScope.nonCancellable(async () => {
      held = false;
      try {
        await getExternalWorkflowHandle(leaseWorkflowId).signal(releaseLeaseSignal, holder);
      } catch {
        // The semaphore is gone (terminated by an operator): nothing to release.
      }
    });
  const control: LeaseControl = {
    async release() {
      // Agents paused before leases were given back on a pause replay without it.
      if (held && patched('area-lease-pause-release')) await giveBack();
    },
    async acquire() {
      if (held) return;
      granted = false;
      await request({ repo, area, holder });
      await waitForGrant();
    },
  };
  try {
    await waitForGrant();
    return await work(control);
  } finally {
    await giveBack();
  }
}

/**
 * The agent workflow's call site: its whole run under the lease of its area.
 * Runs recorded before leases existed replay without one (`patched`).
 */
export function underAreaLease<T>(
  repo: string,
  area: string,
  work: (lease: LeaseControl) => Promise<T>,
): Promise<T> {
  if (!patched('area-lease')) return work(NO_LEASE);
  return withAreaLease(repo, area, work);
}
