/**
 * One pass of the webhook redelivery job (GitHub App mode), started by the
 * Temporal Schedule `blogtube-redelivery` (client/redelivery-schedule.ts):
 * a Schedule, not a long-running workflow with a timer, so each pass is a
 * short history of its own, overlapping passes are skipped by the schedule's
 * policy, and an operator can pause, trigger or inspect it in the Web UI or
 * with `temporal schedule`.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RedeliveryActivities, RedeliveryResult } from '../activities/redelivery.js';
import type { RedeliveryInput } from '../common/workflow-api.js';

const { redeliverFailedDeliveries } = proxyActivities<RedeliveryActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

export async function redeliveryWorkflow(input: RedeliveryInput): Promise<RedeliveryResult> {
  const sinceIso = new Date(Date.now() - input.lookbackHours * 3_600_000).toISOString();
  return redeliverFailedDeliveries({ sinceIso, maxAttempts: input.maxAttempts });
}
