/**
 * Reads a check's remembered result on a base commit (common/base-check.ts):
 * starts the memo workflow unless one ran or runs (the id reuse policy lets a
 * failed one start again), then waits for its result, heartbeating. Workflow
 * code cannot wait for a workflow that is not its child; an activity can.
 */
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { BASE_CHECK_WORKFLOW, baseCheckWorkflowId } from '../common/base-check.js';
import type { BaseCheckInput } from '../common/base-check.js';
import type { CheckRun } from '../common/checks.js';
import { whileAlive } from './liveness.js';

export function createBaseCheckActivities() {
  return {
    async baseCheckResult(input: BaseCheckInput): Promise<CheckRun> {
      const ctx = Context.current();
      const workflowId = baseCheckWorkflowId(input);
      try {
        await ctx.client.workflow.start(BASE_CHECK_WORKFLOW, {
          workflowId,
          taskQueue: ctx.info.taskQueue,
          args: [input],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          staticSummary: `check ${input.check.name} on ${input.ref.owner}/${input.ref.repo}@${input.sha.slice(0, 7)}`,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      return whileAlive(
        () => ctx.client.workflow.getHandle(workflowId).result() as Promise<CheckRun>,
      );
    },
  };
}

export type BaseCheckActivities = ReturnType<typeof createBaseCheckActivities>;
