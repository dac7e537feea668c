/**
 * What `npm run stack:prod` runs, decided from its flags and environment
 * (pure: no I/O): the `npm start` plan (simulators, codec server, bridge,
 * credentials) against the stack's own Temporal server, with N orchestrator
 * and M model worker processes instead of one of each.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveStartPlan, type ServicePlan, type StartPlan } from './start-plan.js';

export interface ProdStackPlan {
  start: StartPlan;
  orchestrators: number;
  modelWorkers: number;
  /** Each worker process's own variables (its metrics ports), by service name. */
  workerEnv: Record<string, Record<string, string>>;
  /** Private cluster under `dataDir/postgres` on `pgPort`, unless `postgresUrl` names a server. */
  postgresUrl?: string;
  pgPort: number;
  dataDir: string;
  temporal: { port: number; internalPortBase: number; logLevel: string };
  ui: { port: number } | undefined;
}

function intOf(
  raw: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name}=${raw} must be an integer from ${min} to ${max}`);
  }
  return n;
}

const WORKER_METRICS_BASE = 9470;

export function resolveProdStackPlan(
  argv: string[],
  env: NodeJS.ProcessEnv,
  root: string,
): ProdStackPlan {
  const { values } = parseArgs({
    args: argv,
    options: {
      orchestrators: { type: 'string' },
      'model-workers': { type: 'string' },
      'no-ui': { type: 'boolean' },
    },
    strict: true,
  });
  const orchestrators = intOf(
    values.orchestrators ?? env.BLOGTUBE_ORCHESTRATORS,
    'orchestrators (--orchestrators, BLOGTUBE_ORCHESTRATORS)',
    2,
    1,
    16,
  );
  const modelWorkers = intOf(
    values['model-workers'] ?? env.BLOGTUBE_MODEL_WORKERS,
    'model workers (--model-workers, BLOGTUBE_MODEL_WORKERS)',
    2,
    1,
    16,
  );
  const temporalPort = intOf(env.TEMPORAL_PORT, 'TEMPORAL_PORT', 7233, 1, 65535);
  const uiPort = intOf(env.TEMPORAL_UI_PORT, 'TEMPORAL_UI_PORT', 8233, 1, 65535);
  const withUi = !values['no-ui'] && env.BLOGTUBE_WEB_UI !== '0';
  const start = resolveStartPlan(
    {
      ...env,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      ...(withUi && !env.TEMPORAL_UI_URL ? { TEMPORAL_UI_URL: `http://127.0.0.1:${uiPort}` } : {}),
    },
    root,
  );
  if (withUi && !env.TEMPORAL_UI_URL && start.urls.temporalUi) {
    start.childEnv.TEMPORAL_UI_URL = start.urls.temporalUi;
  }
  const workers: ServicePlan[] = [];
  const workerEnv: Record<string, Record<string, string>> = {};
  const add = (role: 'orchestrator' | 'model', count: number): void => {
    const file = `dist/workers/${role}.js`;
    const prefix = role === 'orchestrator' ? 'ORCHESTRATOR' : 'MODEL_WORKER';
    for (let i = 1; i <= count; i++) {
      const name = `${role === 'orchestrator' ? 'orchestrator' : 'model-worker'}-${i}`;
      const metrics = WORKER_METRICS_BASE + 2 * workers.length;
      workers.push({ name, file });
      workerEnv[name] = {
        [`${prefix}_METRICS_PORT`]: String(metrics),
        [`${prefix}_CORE_METRICS_PORT`]: String(metrics + 1),
      };
    }
  };
  add('orchestrator', orchestrators);
  add('model', modelWorkers);
  const isWorker = (s: ServicePlan): boolean =>
    /^dist\/workers\/(orchestrator|model)\.js$/.test(s.file);
  const firstWorker = start.services.findIndex(isWorker);
  const others = start.services.filter((s) => !isWorker(s));
  others.splice(firstWorker < 0 ? others.length : firstWorker, 0, ...workers);
  return {
    start: { ...start, services: others },
    orchestrators,
    modelWorkers,
    workerEnv,
    postgresUrl: env.BLOGTUBE_POSTGRES_URL || undefined,
    pgPort: intOf(env.BLOGTUBE_PG_PORT, 'BLOGTUBE_PG_PORT', 5433, 1, 65535),
    dataDir: env.BLOGTUBE_PROD_DATA_DIR || join(root, '.data', 'prod'),
    temporal: {
      port: temporalPort,
      internalPortBase: intOf(
        env.TEMPORAL_INTERNAL_PORT_BASE,
        'TEMPORAL_INTERNAL_PORT_BASE',
        7234,
        1,
        65535 - 8,
      ),
      logLevel: env.BLOGTUBE_TEMPORAL_LOG_LEVEL || 'warn',
    },
    ui: withUi ? { port: uiPort } : undefined,
  };
}
