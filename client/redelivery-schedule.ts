/**
 * The webhook redelivery job's Temporal Schedule (GitHub App mode): every
 * few minutes a short `redeliveryWorkflow` asks GitHub to redeliver the App's
 * failed webhook deliveries. The bridge makes sure it exists when it starts
 * with App credentials; an operator can pause it or trigger a pass with
 * `temporal schedule pause|trigger --schedule-id blogtube-redelivery`.
 */
import type { Client } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { REDELIVERY_WORKFLOW } from '../common/workflow-api.js';
import type { RedeliveryInput } from '../common/workflow-api.js';

export const REDELIVERY_SCHEDULE_ID = 'blogtube-redelivery';

export interface RedeliveryScheduleOptions {
  taskQueue: string;
  /** Minutes between passes (5). */
  everyMinutes?: number;
  input?: Partial<RedeliveryInput>;
}

/** Creates the schedule; one that exists already is left as it is. Returns whether it was created. */
export async function ensureRedeliverySchedule(
  client: Client,
  opts: RedeliveryScheduleOptions,
): Promise<boolean> {
  const input: RedeliveryInput = { lookbackHours: 72, maxAttempts: 5, ...opts.input };
  try {
    await client.schedule.create({
      scheduleId: REDELIVERY_SCHEDULE_ID,
      spec: { intervals: [{ every: `${opts.everyMinutes ?? 5} minutes` }] },
      action: {
        type: 'startWorkflow',
        workflowType: REDELIVERY_WORKFLOW,
        taskQueue: opts.taskQueue,
        args: [input],
        workflowExecutionTimeout: '10 minutes',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    });
    return true;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return false;
    throw err;
  }
}
