/**
 * A deliberately incompatible `issueWorkflow`, for the replay test's proof
 * that the check can fail: it asks for the repository config before the
 * issue, so replaying a recorded issue history against it must raise a
 * DeterminismViolationError (the history's first activity is `loadIssue`).
 * Never registered by a real worker.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { GitHubActivities } from '../../activities/github.js';
import type { IssueWorkflowInput, IssueWorkflowResult } from '../../common/schemas.js';

const github = proxyActivities<GitHubActivities>({ startToCloseTimeout: '30 seconds' });

export async function issueWorkflow(input: IssueWorkflowInput): Promise<IssueWorkflowResult> {
  await github.loadRepoConfig(input.ref, 'main');
  return { phase: 'failed', failedAgents: [], error: 'not a real workflow' };
}
