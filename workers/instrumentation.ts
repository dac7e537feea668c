/**
 * Worker-side instrumentation: an activity interceptor (durations, retries by
 * error class, model-call schedule-to-start, agent spawn, tokens, `agent` on
 * activity log lines) and the `metrics` sink that records what the workflow
 * interceptors (workflows/observability.ts) measured.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { WorkerMetrics } from '../common/metrics.js';
import { agentOfWorkflowId, failureLabels, MODEL_CALL_HEADER } from '../common/metrics-labels.js';
import type { ModelCallHeader } from '../common/metrics-labels.js';
import type { ObservabilitySinks } from '../workflows/observability.js';

/** The workflow interceptors module next to the workflows: `.js` when built, `.ts` under Jest. */
export function workflowInterceptorsPath(): string {
  for (const ext of ['.js', '.ts']) {
    const p = fileURLToPath(new URL(`../workflows/observability${ext}`, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('workflows/observability not found next to workers/');
}

interface ModelCallArgs {
  context?: { agent?: string };
}
interface ModelCallReply {
  usage?: { input?: number; output?: number; cacheRead?: number; cacheWrite?: number };
}

function readHeader(headers: Record<string, unknown>): ModelCallHeader | undefined {
  const payload = headers[MODEL_CALL_HEADER];
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<ModelCallHeader>(payload as never);
  } catch {
    return undefined;
  }
}

function isCancelled(err: unknown): boolean {
  const name = (err as { name?: unknown })?.name;
  return err instanceof CancelledFailure || name === 'AbortError' || name === 'APIUserAbortError';
}

export function activityMetricsInterceptor(metrics: WorkerMetrics): ActivityInterceptorsFactory {
  return (ctx) => {
    const info = ctx.info;
    const agentFromArgs = (args: unknown[]) =>
      (args[0] as ModelCallArgs | undefined)?.context?.agent;
    const workflowAgent = agentOfWorkflowId(info.workflowExecution?.workflowId);
    return {
      inbound: {
        async execute(input, next) {
          const activity = info.activityType;
          const startedMs = Date.now();
          const agent = agentFromArgs(input.args) ?? workflowAgent ?? 'none';
          if (activity === 'callModel' && !info.isLocal) {
            metrics.modelScheduleToStart.observe(
              Math.max(0, startedMs - info.currentAttemptScheduledTimestampMs) / 1000,
            );
            const header = readHeader(input.headers);
            if (header?.seq === 1 && info.attempt === 1) {
              metrics.agentSpawn.observe(
                { agent },
                Math.max(0, startedMs - header.workflowStartMs) / 1000,
              );
            }
          }
          const elapsed = () => (Date.now() - startedMs) / 1000;
          try {
            const result = await next(input);
            metrics.activityDuration.observe({ activity, outcome: 'ok' }, elapsed());
            if (activity === 'analyze') metrics.analysisDuration.observe(elapsed());
            if (activity === 'callModel') {
              metrics.modelCallDuration.observe({ agent, outcome: 'ok' }, elapsed());
              const u = (result as ModelCallReply | undefined)?.usage;
              if (u) {
                metrics.tokens.inc({ agent, kind: 'input' }, u.input ?? 0);
                metrics.tokens.inc({ agent, kind: 'output' }, u.output ?? 0);
                metrics.tokens.inc({ agent, kind: 'cache_read' }, u.cacheRead ?? 0);
                metrics.tokens.inc({ agent, kind: 'cache_write' }, u.cacheWrite ?? 0);
              }
            }
            return result;
          } catch (err) {
            const cancelled = isCancelled(err);
            const outcome = cancelled ? 'cancelled' : 'failed';
            metrics.activityDuration.observe({ activity, outcome }, elapsed());
            if (activity === 'callModel') {
              metrics.modelCallDuration.observe({ agent, outcome }, elapsed());
            }
            if (!cancelled) {
              const failure = err instanceof ApplicationFailure ? err : undefined;
              const l = failureLabels(failure?.type ?? undefined, failure?.nonRetryable ?? false);
              const labels = { activity, upstream: l.upstream, error_class: l.errorClass };
              if (l.retryable) metrics.activityRetries.inc(labels);
              else metrics.activityFailures.inc(labels);
            }
            throw err;
          }
        },
      },
      outbound: {
        getLogAttributes(input, next) {
          return next(workflowAgent ? { ...input, agent: workflowAgent } : input);
        },
      },
    };
  };
}

/** The `metrics` sink of the workflow interceptors; not called during replay. */
export function metricSinks(metrics: WorkerMetrics): InjectedSinks<ObservabilitySinks> {
  return {
    metrics: {
      runFinished: {
        fn(_info, outcome, seconds) {
          metrics.runs.inc({ outcome });
          metrics.runDuration.observe({ outcome }, seconds);
        },
        callDuringReplay: false,
      },
      agentFinished: {
        fn(_info, agent, outcome, seconds) {
          metrics.agentDuration.observe({ agent, outcome }, seconds);
        },
        callDuringReplay: false,
      },
      pullRequestOpened: {
        fn(_info, seconds) {
          metrics.prCreation.observe(seconds);
        },
        callDuringReplay: false,
      },
    },
  };
}
