/**
 * Activities of the area leases (`workflows/area-lease.ts`): ask the
 * semaphore of a (repository, area) for a lease, starting it if needed
 * (signalWithStart, which workflow code cannot do itself), and tell the
 * semaphore which holders' runs have ended. Limits come from this worker's
 * `AREA_LIMITS`.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  AREA_LEASE_WORKFLOW,
  acquireLeaseSignal,
  areaLeaseWorkflowId,
} from '../common/lease-api.js';
import type { AreaLeaseInput, LeaseHolder } from '../common/lease-api.js';

export interface LeaseDeps {
  /** Per-area limits (`parseAreaLimits(AREA_LIMITS)`); an area not named is not limited. */
  limits: Record<string, number>;
  /** Passed to new semaphores (tests use a short one). */
  livenessCheckSeconds?: number;
  /** How long a waiter waits for a grant before it asks again, at first (`AREA_LEASE_RECHECK_SECONDS`). */
  recheckSeconds?: number;
}

export function createLeaseActivities({ limits, livenessCheckSeconds, recheckSeconds }: LeaseDeps) {
  return {
    /** Queues `holder` at the area's semaphore; no semaphore (and no wait) when the area has no limit. */
    async requestAreaLease(req: {
      repo: string;
      area: string;
      holder: LeaseHolder;
    }): Promise<{ leaseWorkflowId?: string; limit?: number; recheckSeconds?: number }> {
      const limit = limits[req.area];
      if (!limit) return {};
      const ctx = Context.current();
      const workflowId = areaLeaseWorkflowId(req.repo, req.area);
      const input: AreaLeaseInput = { repo: req.repo, area: req.area, livenessCheckSeconds };
      await ctx.client.workflow.signalWithStart(AREA_LEASE_WORKFLOW, {
        workflowId,
        taskQueue: ctx.info.taskQueue,
        args: [input],
        signal: acquireLeaseSignal,
        signalArgs: [{ ...req.holder, limit }],
      });
      return { leaseWorkflowId: workflowId, limit, ...(recheckSeconds ? { recheckSeconds } : {}) };
    },

    /** The holders whose runs are no longer running (completed, failed, cancelled, terminated, gone). */
    async describeLeaseHolders(holders: LeaseHolder[]): Promise<LeaseHolder[]> {
      const client = Context.current().client;
      const ended: LeaseHolder[] = [];
      for (const h of holders) {
        try {
          const d = await client.workflow.getHandle(h.workflowId, h.runId).describe();
          if (d.status.name !== 'RUNNING') ended.push(h);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) ended.push(h);
          else throw err;
        }
      }
      return ended;
    },
  };
}

export type LeaseActivities = ReturnType<typeof createLeaseActivities>;
