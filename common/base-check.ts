/**
 * The memo of a check's result on a base commit: one Temporal workflow per
 * (repository, base sha, check), `baseCheckWorkflow`, whose id names the three.
 * The first run that needs it starts it; every later run (any issue on the
 * same base commit) finds it and reads its result instead of running the
 * check again, for as long as Temporal keeps the closed workflow (the
 * namespace's retention). A failed memo (the check could not run) may be
 * started again. The config is read at the base sha, so a (repository, sha,
 * check name) names one command.
 */
import type { CheckConfig, WorkspaceConfig } from './repo-config.js';

export const BASE_CHECK_WORKFLOW = 'baseCheckWorkflow';

export interface BaseCheckInput {
  ref: { owner: string; repo: string };
  /** The default branch (a name for the checkout; the sha decides). */
  branch: string;
  sha: string;
  check: CheckConfig;
  workspace: WorkspaceConfig;
  workspaceTaskQueue: string;
}

export function baseCheckWorkflowId(input: Pick<BaseCheckInput, 'ref' | 'sha' | 'check'>): string {
  return `base-check:${input.ref.owner}/${input.ref.repo}@${input.sha}:${input.check.name}`;
}
