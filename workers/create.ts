/**
 * Worker factories, shared by the worker processes and the tests:
 * - orchestrator: issue and agent workflows, GitHub and analysis activities;
 * - model: model-call activities only, with bounded slots.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';
import { createAnalysisActivities } from '../activities/analysis.js';
import { DocsCache } from '../activities/docs-cache.js';
import { createGitHubActivities } from '../activities/github.js';
import { createOctokit } from '../common/github-client.js';
import { createAnthropic, createModelActivities } from '../activities/model.js';
import { CircuitBreaker } from '../activities/pure/breaker.js';
import type { Upstream } from '../activities/pure/errors.js';
import { createDataConverter } from '../common/codec.js';
import { readSecret } from '../common/env.js';
import type { Settings } from '../common/env.js';

/** The workflows entry next to this file: `.js` when built, `.ts` under the test runner. */
export function workflowsPath(): string {
  for (const ext of ['.js', '.ts']) {
    const p = fileURLToPath(new URL(`../workflows/index${ext}`, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('workflows/index not found next to workers/');
}

export interface WorkerContext {
  settings: Settings;
  connection: NativeConnection;
  env?: NodeJS.ProcessEnv;
  /** Extra Worker options (tests: shutdownGraceTime, identity…). */
  options?: Partial<WorkerOptions>;
}

/** This worker's circuit breaker for one upstream; transitions are logged (open at WARN). */
export function createBreaker(upstream: Upstream, settings: Settings): CircuitBreaker {
  return new CircuitBreaker({
    failureThreshold: settings.BREAKER_FAILURE_THRESHOLD,
    openMs: settings.BREAKER_OPEN_MS,
    onTransition(from, to) {
      const logger = Runtime.instance().logger;
      const meta = { upstream, from, to, openMs: settings.BREAKER_OPEN_MS };
      if (to === 'open') logger.warn(`${upstream} circuit breaker opened`, meta);
      else logger.info(`${upstream} circuit breaker ${to.replace('_', '-')}`, meta);
    },
  });
}

export async function connectWorker(settings: Settings): Promise<NativeConnection> {
  return NativeConnection.connect({ address: settings.TEMPORAL_ADDRESS });
}

export async function createOrchestratorWorker(ctx: WorkerContext): Promise<Worker> {
  const { settings } = ctx;
  const octokit = createOctokit(settings.GITHUB_API_URL, readSecret('GITHUB_TOKEN', ctx.env));
  return Worker.create({
    connection: ctx.connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.ORCHESTRATOR_TASK_QUEUE,
    workflowsPath: workflowsPath(),
    dataConverter: createDataConverter(ctx.env ?? process.env),
    activities: {
      ...createGitHubActivities({ octokit, breaker: createBreaker('github', settings) }),
      ...createAnalysisActivities(),
    },
    ...ctx.options,
  });
}

export async function createModelWorker(ctx: WorkerContext): Promise<Worker> {
  const { settings } = ctx;
  const anthropic = createAnthropic(
    settings.ANTHROPIC_BASE_URL,
    readSecret('ANTHROPIC_API_KEY', ctx.env),
  );
  const octokit = createOctokit(settings.GITHUB_API_URL, readSecret('GITHUB_TOKEN', ctx.env));
  const github = createGitHubActivities({ octokit, breaker: createBreaker('github', settings) });
  const cache = new DocsCache(64);
  const agentDocs = (repo: string, sha: string) => {
    const [owner = '', name = ''] = repo.split('/');
    return cache.get(repo, sha, () => github.readAgentDocs({ owner, repo: name }, sha));
  };
  return Worker.create({
    connection: ctx.connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.MODEL_TASK_QUEUE,
    activities: createModelActivities({
      anthropic,
      agentDocs,
      breaker: createBreaker('anthropic', settings),
    }),
    dataConverter: createDataConverter(ctx.env ?? process.env),
    maxConcurrentActivityTaskExecutions: settings.MODEL_SLOTS,
    ...ctx.options,
  });
}
