/**
 * Any ending leaves a true record (issue 16, property 11). When the run's
 * main flow is cancelled (a maintainer's cancel, or the bridge stopping it
 * because the issue was closed, transferred or deleted) or fails (a
 * non-retryable failure, an activity's timeout), the work the agents finished
 * is saved as a draft pull request (its branch restored at the run's last
 * commit if someone deleted it) and the progress comment says how the run
 * ended and why. The workflow's own outcome is unchanged: the error is
 * rethrown by the caller.
 */
import { CancellationScope, isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { GitHubActivities } from '../activities/github.js';
import { rootMessage } from '../common/failures.js';
import type { IssueData, IssueRef } from '../common/schemas.js';
import { GITHUB_ACTIVITY_OPTIONS } from './activity-options.js';
import type { Steering } from './issue-handlers.js';
import type { RunReport } from './progress.js';
import type { RunState } from './pure/run-state.js';

const github = proxyActivities<GitHubActivities>({
  ...GITHUB_ACTIVITY_OPTIONS,
  retry: { ...GITHUB_ACTIVITY_OPTIONS.retry, maximumAttempts: 5 },
});

export interface Ending {
  ref: IssueRef;
  run: RunState;
  report: RunReport;
  issue: IssueData;
  steering: Steering;
}

/** Records how the run ended; the caller rethrows `err`. */
export async function recordEnding(err: unknown, ending: Ending): Promise<void> {
  const { run, report, issue, steering } = ending;
  const { status } = run;
  if (isCancellation(err)) {
    // Stopping saves work: push what finished agents wrote as a draft PR.
    await CancellationScope.nonCancellable(async () => {
      run.cancelOpenAgents();
      if (steering.stop) status.error = `stopped because ${steering.stop.reason}`;
      await report.openPr(issue);
      run.setPhase('cancelled');
      await report.updateProgress();
    });
    return;
  }
  // Runs that failed before failures were recorded replay without the record.
  if (!patched('ending-record')) return;
  await CancellationScope.nonCancellable(async () => {
    run.cancelOpenAgents();
    status.error = `the run failed: ${rootMessage(err)}`;
    try {
      await restoreBranch(ending.ref, run);
      await report.openPr(issue);
    } catch {
      // GitHub refuses again: the comment below still says how the run ended.
    }
    run.setPhase('failed');
    await report.updateProgress().catch(() => undefined);
  });
}

/** The run's branch at its last commit, made again if it was deleted (a no-op when it exists). */
async function restoreBranch(ref: IssueRef, run: RunState): Promise<void> {
  const commits = run.commits();
  const last = commits[commits.length - 1];
  if (!run.status.branch || !last) return;
  await github.ensureBranch(ref, run.status.branch, last.sha);
}
