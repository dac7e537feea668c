/**
 * Which branch a run works on (issue 16, property 8). Runs recorded before
 * branches belonged to a run replay with the issue's branch; a new run gets
 * a branch of its own (named by its first run id), so neither the branch nor
 * the pull request looked up by it can be another run's. A `blogtube retry`
 * continues on the branch of the run it retries, where the work it keeps is.
 */
import { patched, workflowInfo } from '@temporalio/workflow';
import { issueBranch, runBranch } from '../common/ids.js';
import type { IssueWorkflowInput } from '../common/schemas.js';

export function branchOfRun(input: IssueWorkflowInput): string {
  const { ref, retry } = input;
  if (!patched('run-scoped-branch')) return issueBranch(ref);
  if (retry?.branch) return retry.branch;
  // A retry seeded before seeds named the branch keeps its work on the issue's branch.
  if (retry && retry.keep.length > 0) return issueBranch(ref);
  return runBranch(ref, workflowInfo().firstExecutionRunId);
}
