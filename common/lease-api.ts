/**
 * Area leases across issues: names and types where agent workflows, the lease
 * activities and the semaphore workflow (`workflows/area-lease.ts`) meet.
 * One semaphore workflow per (repository, area), id `area-lease:<owner>/<repo>/<area>`.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** A requesting run: a lease belongs to one run of one workflow. */
export interface LeaseHolder {
  workflowId: string;
  runId: string;
}

/** One area's semaphore: at most `limit` holders, the rest wait first come, first served. */
export interface LeaseState {
  limit: number;
  holders: LeaseHolder[];
  waiters: LeaseHolder[];
}

export const AREA_LEASE_WORKFLOW = 'areaLeaseWorkflow';

export function areaLeaseWorkflowId(repo: string, area: string): string {
  return `area-lease:${repo}/${area}`;
}

export interface AreaLeaseInput {
  /** `owner/repo`. */
  repo: string;
  area: string;
  /** Carried over by continue-as-new. */
  state?: LeaseState;
  /** While requests wait, how often the holders' workflows are checked (default 30 s). */
  livenessCheckSeconds?: number;
}

export interface LeaseRequest extends LeaseHolder {
  /** The area's limit as configured on the requesting worker (the latest request's wins). */
  limit: number;
}

/** Requester → semaphore (sent with signalWithStart by the `requestAreaLease` activity). */
export const acquireLeaseSignal = defineSignal<[LeaseRequest]>('areaLeaseAcquire');
/** Holder or waiter → semaphore: done, or no longer waiting. */
export const releaseLeaseSignal = defineSignal<[LeaseHolder]>('areaLeaseRelease');
/** Semaphore → requester: the lease is yours. */
export const leaseGrantedSignal = defineSignal<[{ area: string }]>('areaLeaseGranted');
export const leaseStateQuery = defineQuery<LeaseState>('areaLeaseState');
