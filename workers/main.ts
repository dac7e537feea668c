/**
 * Shared entry logic of the worker processes: structured logs (pino) for the
 * Temporal SDK, the Core SDK's own Prometheus endpoint, our /metrics, /healthz
 * and /readyz on the worker's metrics port, then run until SIGTERM/SIGINT,
 * letting in-flight activities finish for WORKER_SHUTDOWN_GRACE_MS.
 */
import type { Server } from 'node:http';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { loadSettings } from '../common/env.js';
import { applyHeapGrowing } from '../common/heap-tuning.js';
import { assertReady } from '../common/mode.js';
import { memoryThresholdBytes } from '../common/profiles.js';
import type { Settings } from '../common/env.js';
import {
  coreLogLevel,
  createLogger,
  logOptionsFromEnv,
  TemporalPinoLogger,
} from '../common/logger.js';
import { WorkerMetrics } from '../common/metrics.js';
import { startMetricsServer } from '../common/metrics-server.js';
import type { Readiness } from '../common/metrics-server.js';
import { connectWorker } from './create.js';
import type { WorkerContext } from './create.js';

export type WorkerRole = 'orchestrator' | 'model' | 'workspace';

function ports(settings: Settings, role: WorkerRole) {
  if (role === 'orchestrator')
    return {
      metrics: settings.ORCHESTRATOR_METRICS_PORT,
      core: settings.ORCHESTRATOR_CORE_METRICS_PORT,
    };
  if (role === 'workspace')
    return {
      metrics: settings.WORKSPACE_WORKER_METRICS_PORT,
      core: settings.WORKSPACE_WORKER_CORE_METRICS_PORT,
    };
  return {
    metrics: settings.MODEL_WORKER_METRICS_PORT,
    core: settings.MODEL_WORKER_CORE_METRICS_PORT,
  };
}

/** The name of the core-metrics variable of a role (for the log line when its port is taken). */
const CORE_PORT_VAR = {
  orchestrator: 'ORCHESTRATOR_CORE_METRICS_PORT',
  model: 'MODEL_WORKER_CORE_METRICS_PORT',
  workspace: 'WORKSPACE_WORKER_CORE_METRICS_PORT',
} as const;

/** Ready: the worker runs with its pollers polling, and the Temporal frontend answers. */
export async function workerReadiness(
  worker: Worker,
  connection: NativeConnection,
  role: WorkerRole,
): Promise<Readiness> {
  const status = worker.getStatus();
  const checks: Record<string, unknown> = {
    state: status.runState,
    activityPoller: status.activityPollerState,
    ...(role === 'orchestrator' ? { workflowPoller: status.workflowPollerState } : {}),
  };
  let temporal = 'ok';
  try {
    await connection.withDeadline(Date.now() + 2000, () =>
      connection.workflowService.getSystemInfo({}),
    );
  } catch (err) {
    temporal = err instanceof Error ? err.message : String(err);
  }
  checks.temporal = temporal;
  const ready =
    status.runState === 'RUNNING' &&
    status.activityPollerState === 'POLLING' &&
    (role !== 'orchestrator' || status.workflowPollerState === 'POLLING') &&
    temporal === 'ok';
  return { ready, checks };
}

/** The name `common/mode.ts` checks each worker's configuration under. */
const MODE_ROLE = {
  orchestrator: 'orchestrator',
  model: 'model-worker',
  workspace: 'workspace-worker',
} as const;

export async function runWorkerProcess(
  role: WorkerRole,
  create: (ctx: WorkerContext) => Promise<Worker | Worker[]>,
): Promise<void> {
  // Live mode: every missing setting at once, before anything tries to connect.
  assertReady(process.env, MODE_ROLE[role]);
  const settings = loadSettings();
  // Before the SDK makes its workflow thread: the factor then holds for every isolate.
  applyHeapGrowing(settings.WORKER_HEAP_GROWING_PERCENT);
  const logOptions = logOptionsFromEnv();
  const logger = createLogger({ name: role, ...logOptions });
  // Start and stop lines are printed even when LOG_LEVEL is warn (launchers wait for them).
  const lifecycle = logger.child(
    {},
    { level: logger.isLevelEnabled('info') ? logger.level : 'info' },
  );
  const { metrics: metricsPort, core: corePort } = ports(settings, role);

  const install = (coreBind?: string) =>
    Runtime.install({
      logger: new TemporalPinoLogger(logger),
      telemetryOptions: {
        logging: {
          forward: {},
          filter: makeTelemetryFilterString({ core: coreLogLevel(logOptions.level ?? 'info') }),
        },
        ...(coreBind
          ? { metrics: { prometheus: { bindAddress: coreBind, useSecondsForDurations: true } } }
          : {}),
      },
    });
  let coreBind = corePort === '' ? undefined : `${settings.METRICS_HOST}:${corePort}`;
  try {
    install(coreBind);
  } catch (err) {
    if (!coreBind) throw err;
    // Another process has the port (several workers on one host): run without it.
    logger.error(
      { err },
      `Core SDK metrics endpoint ${coreBind} unavailable: off in this process (set ${CORE_PORT_VAR[role]})`,
    );
    coreBind = undefined;
    install();
  }

  const metrics = new WorkerMetrics(role);
  const connection = await connectWorker(settings);
  const created = await create({ settings, connection, metrics });
  const workers = Array.isArray(created) ? created : [created];
  let server: Server | undefined;
  try {
    server = await startMetricsServer({
      host: settings.METRICS_HOST,
      port: metricsPort,
      registry: metrics.registry,
      ready: async () => {
        const all = await Promise.all(workers.map((w) => workerReadiness(w, connection, role)));
        return all.find((r) => !r.ready) ?? (all[0] as Readiness);
      },
      memoryThresholdBytes: memoryThresholdBytes(settings.profile),
    });
  } catch (err) {
    logger.error(
      { err },
      `metrics port ${metricsPort} unavailable: /metrics, /healthz and /readyz are off in this process`,
    );
  }
  const address = server?.address();
  lifecycle.info(
    {
      taskQueue: workers.map((w) => w.options.taskQueue).join(', '),
      temporal: settings.TEMPORAL_ADDRESS,
      metrics:
        address && typeof address === 'object'
          ? `http://${address.address}:${address.port}/metrics`
          : undefined,
      coreMetrics: coreBind ? `http://${coreBind}/metrics` : undefined,
      shutdownGraceMs: settings.WORKER_SHUTDOWN_GRACE_MS,
      profile: settings.profile.name,
      heapGrowingPercent: settings.WORKER_HEAP_GROWING_PERCENT,
    },
    `${role} worker polling ${workers.map((w) => w.options.taskQueue).join(' and ')} on ${settings.TEMPORAL_ADDRESS}`,
  );
  // Worker.run() shuts down gracefully on SIGINT/SIGTERM (the Runtime's shutdown
  // signals): it stops polling, lets in-flight activities finish (they see the
  // cancellation after shutdownGraceTime), and resolves when all are done.
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    server?.close();
    await connection.close();
  }
  lifecycle.info(`${role} worker stopped`);
}

/** The entry of `node dist/workers/<role>.js`. */
export function main(
  role: WorkerRole,
  create: (ctx: WorkerContext) => Promise<Worker | Worker[]>,
): void {
  runWorkerProcess(role, create).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    try {
      createLogger({ name: role, ...logOptionsFromEnv() }).fatal(
        { err },
        `${role} worker fatal: ${message}`,
      );
    } catch {
      // A bad LOG_LEVEL / LOG_FORMAT: no logger to say it with.
      process.stderr.write(`${role} worker fatal: ${message}\n`);
    }
    process.exit(1);
  });
}
