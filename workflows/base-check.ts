/**
 * The memo workflow of one check on one base commit (see common/base-check.ts):
 * it runs the check once, in a fresh workspace at the base sha, and its
 * result stays readable by id.
 */
import type { BaseCheckInput } from '../common/base-check.js';
import type { CheckRun } from '../common/checks.js';
import { checkWorkspaceId, runCheck } from './check-run.js';

export async function baseCheckWorkflow(input: BaseCheckInput): Promise<CheckRun> {
  return runCheck({
    ...input,
    id: checkWorkspaceId(`${input.ref.owner}.${input.ref.repo}.base`, input.sha, input.check.name),
  });
}
