/**
 * Activities whose module is imported by their first call. The orchestrator
 * registers every activity at start, but Octokit, YAML, the repository-config
 * schemas, the issue classifier and the lease and base-check clients are
 * loaded only when a run first needs one of them: an idle orchestrator does
 * not hold them (docs/scaling.md has the measurement). The names are listed
 * here, checked against the factories' types, so nothing is imported to
 * learn them.
 */
import type { AnalysisActivities } from '../activities/analysis/activity.js';
import type { BaseCheckActivities } from '../activities/base-check.js';
import type { GitHubActivities } from '../activities/github.js';
import type { LeaseActivities } from '../activities/lease.js';
import type { RedeliveryActivities } from '../activities/redelivery.js';

/** Every activity name of `A`, each exactly once (a missing or unknown one does not compile). */
export type ActivityNames<A> = Record<keyof A, true>;

export const GITHUB_ACTIVITIES = {
  loadIssue: true,
  loadRepoConfig: true,
  ensureBranch: true,
  listFiles: true,
  readFile: true,
  stageFile: true,
  commitAgentChanges: true,
  upsertComment: true,
  openPullRequest: true,
  setCommitStatus: true,
  verifyRun: true,
  readAgentDocs: true,
} as const satisfies ActivityNames<GitHubActivities>;

export const ANALYSIS_ACTIVITIES = {
  analyze: true,
} as const satisfies ActivityNames<AnalysisActivities>;

export const LEASE_ACTIVITIES = {
  requestAreaLease: true,
  describeLeaseHolders: true,
} as const satisfies ActivityNames<LeaseActivities>;

export const BASE_CHECK_ACTIVITIES = {
  baseCheckResult: true,
} as const satisfies ActivityNames<BaseCheckActivities>;

export const REDELIVERY_ACTIVITIES = {
  redeliverFailedDeliveries: true,
} as const satisfies ActivityNames<RedeliveryActivities>;

type AnyActivity = (...args: never[]) => Promise<unknown>;

/**
 * Activities named `names` that call the ones `make` returns; `make` runs
 * once, at the first call (again after it failed: the failed call's
 * activity is retried by Temporal like any other failure).
 */
export function onFirstCall<A extends Record<keyof A, AnyActivity>>(
  names: ActivityNames<A>,
  make: () => Promise<A>,
): A {
  let made: Promise<A> | undefined;
  const load = (): Promise<A> => {
    made ??= make().catch((err: unknown) => {
      made = undefined;
      throw err;
    });
    return made;
  };
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of Object.keys(names) as (keyof A & string)[]) {
    out[name] = async (...args: unknown[]) => {
      const made = (await load()) as unknown as Record<
        string,
        (...a: unknown[]) => Promise<unknown>
      >;
      return made[name]?.(...args);
    };
  }
  return out as unknown as A;
}
