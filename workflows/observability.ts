/**
 * Workflow interceptors for metrics and logs (registered by the orchestrator
 * worker through `interceptors.workflowModules`). They run inside the
 * workflow sandbox and do no I/O: measurements use workflow time and leave
 * through the `metrics` sink, which the worker calls outside the sandbox and
 * never during replay. They issue no commands, so histories are unchanged.
 *
 * - issue workflow: run outcome and end-to-end time; last agent done → PR opened;
 * - agent workflow: duration by agent type and outcome; each model call gets a
 *   header with the workflow's start time and the call's sequence number, so
 *   the model worker can time the agent's spawn (start → first model call);
 * - every workflow's log lines carry `agent` and `attempt`.
 */
import {
  defaultPayloadConverter,
  isCancellation,
  proxySinks,
  TemporalFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  Sinks,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptorsFactory,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { agentOfWorkflowId, MODEL_CALL_HEADER, runOutcome } from '../common/metrics-labels.js';
import type { ModelCallHeader, RunOutcome } from '../common/metrics-labels.js';

export interface ObservabilitySinks extends Sinks {
  metrics: {
    runFinished(outcome: RunOutcome, seconds: number): void;
    agentFinished(agent: string, outcome: 'done' | 'failed' | 'cancelled', seconds: number): void;
    pullRequestOpened(secondsSinceLastAgent: number): void;
  };
}

const { metrics } = proxySinks<ObservabilitySinks>();

function secondsSince(startMs: number): number {
  return Math.max(0, Date.now() - startMs) / 1000;
}

/** Only failures that end the workflow; any other error fails the task and is retried. */
function endsWorkflow(err: unknown): boolean {
  return err instanceof TemporalFailure || isCancellation(err);
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const type = workflowInfo().workflowType;
  let modelCalls = 0;
  let lastAgentDoneMs: number | undefined;
  let prRecorded = false;

  const inbound: WorkflowInboundCallsInterceptor = {
    async execute(input, next) {
      const startMs = workflowInfo().runStartTime.getTime();
      const agent =
        (input.args[0] as { agent?: string } | undefined)?.agent ??
        agentOfWorkflowId(workflowInfo().workflowId) ??
        'unknown';
      try {
        const result = await next(input);
        if (type === 'issueWorkflow')
          metrics.runFinished(runOutcome(result), secondsSince(startMs));
        if (type === 'agentWorkflow') metrics.agentFinished(agent, 'done', secondsSince(startMs));
        return result;
      } catch (err) {
        if (endsWorkflow(err)) {
          const cancelled = isCancellation(err);
          if (type === 'issueWorkflow') {
            metrics.runFinished(cancelled ? 'cancelled' : 'error', secondsSince(startMs));
          }
          if (type === 'agentWorkflow') {
            metrics.agentFinished(agent, cancelled ? 'cancelled' : 'failed', secondsSince(startMs));
          }
        }
        throw err;
      }
    },
  };

  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity(input, next) {
      if (input.activityType === 'callModel') {
        const header: ModelCallHeader = {
          workflowStartMs: workflowInfo().runStartTime.getTime(),
          seq: ++modelCalls,
        };
        input = {
          ...input,
          headers: {
            ...input.headers,
            [MODEL_CALL_HEADER]: defaultPayloadConverter.toPayload(header),
          },
        };
      }
      const result = next(input);
      if (input.activityType === 'openPullRequest') {
        result.then(
          () => {
            if (prRecorded || lastAgentDoneMs === undefined) return;
            prRecorded = true;
            metrics.pullRequestOpened(secondsSince(lastAgentDoneMs));
          },
          () => undefined,
        );
      }
      return result;
    },
    async startChildWorkflowExecution(input, next) {
      const [started, completed] = await next(input);
      if (input.workflowType === 'agentWorkflow') {
        const done = () => {
          lastAgentDoneMs = Date.now();
        };
        completed.then(done, done);
      }
      return [started, completed];
    },
    getLogAttributes(input, next) {
      const info = workflowInfo();
      const agent = agentOfWorkflowId(info.workflowId);
      return next({ ...input, ...(agent ? { agent } : {}), attempt: info.attempt });
    },
  };

  return { inbound: [inbound], outbound: [outbound] };
};
