/**
 * Worker factories, shared by the worker processes and the tests:
 * - orchestrator: issue and agent workflows, GitHub and analysis activities;
 * - model: model-call activities only, with bounded slots;
 * - workspace: agents' checkouts, editor, search and sandboxed commands, on a
 *   shared queue (workspaceCreate) and a queue of its own (everything else).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';
import { DocsCache } from '../activities/docs-cache.js';
import { createRunSettingsActivities } from '../activities/run-settings.js';
import { runSettings } from '../common/run-settings.js';
import { checkGitHubCredentials, readAppCredentials } from '../common/github-credentials.js';
import {
  ANALYSIS_ACTIVITIES,
  BASE_CHECK_ACTIVITIES,
  GITHUB_ACTIVITIES,
  LEASE_ACTIVITIES,
  onFirstCall,
  REDELIVERY_ACTIVITIES,
} from './lazy-activities.js';
import { issueTypeModelPath } from '../activities/analysis/weights-path.js';
import { parseAreaLimits } from '../workflows/pure/lease-queue.js';
import { MODEL_HEARTBEAT_THROTTLE_MS } from '../workflows/activity-options.js';
import { assertReady, modelFor } from '../common/mode.js';
import { temporalTarget } from '../common/temporal-config.js';
// The model and workspace roles' modules (the Anthropic SDK, the sandbox) are
// imported by their factories only: an orchestrator process never loads them.
import type { Leftovers, WorkspaceStore } from '../activities/workspace/workspaces.js';
import type { ModelActivities } from '../activities/claude.js';
import { CircuitBreaker } from '../activities/pure/breaker.js';
import { PrefixGate } from '../activities/pure/prefix-gate.js';
import type { Upstream } from '../activities/pure/errors.js';
import { createDataConverter } from '../common/codec.js';
import { readSecret, webUiWorkflowUrl, workspaceQueueOf } from '../common/env.js';
import type { Settings } from '../common/env.js';
import { WorkerMetrics } from '../common/metrics.js';
import { prebuiltWorkflowBundle } from './workflow-bundle.js';
import {
  activityMetricsInterceptor,
  metricSinks,
  workflowInterceptorsPath,
} from './instrumentation.js';

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
  /** This worker's Prometheus metrics (default: a fresh registry, served by nobody). */
  metrics?: WorkerMetrics;
}

/** This worker's circuit breaker for one upstream; transitions are logged (open at WARN) and counted. */
export function createBreaker(
  upstream: Upstream,
  settings: Settings,
  metrics?: WorkerMetrics,
): CircuitBreaker {
  const breaker = new CircuitBreaker({
    failureThreshold: settings.BREAKER_FAILURE_THRESHOLD,
    openMs: settings.BREAKER_OPEN_MS,
    onTransition(from, to) {
      metrics?.breakerTransitions.inc({ upstream, from, to });
      const logger = Runtime.instance().logger;
      const meta = { upstream, from, to, openMs: settings.BREAKER_OPEN_MS };
      if (to === 'open') logger.warn(`${upstream} circuit breaker opened`, meta);
      else logger.info(`${upstream} circuit breaker ${to.replace('_', '-')}`, meta);
    },
  });
  metrics?.watchBreaker(upstream, breaker);
  return breaker;
}

const metricsByWorker = new WeakMap<Worker, WorkerMetrics>();

/** The metrics `worker` reports to (the one its factory was given or made). */
export function metricsOf(worker: Worker): WorkerMetrics | undefined {
  return metricsByWorker.get(worker);
}

function remember(worker: Worker, metrics: WorkerMetrics): Worker {
  metricsByWorker.set(worker, metrics);
  return worker;
}

/**
 * The workflow code: the prebuilt bundle (its interceptors bundled with it),
 * else the workflows entry with its interceptor module, bundled at start.
 */
function workflowCode(env: NodeJS.ProcessEnv): {
  options: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  interceptorModules: string[];
} {
  const entry = workflowsPath();
  const bundle = prebuiltWorkflowBundle(entry, env);
  return bundle
    ? { options: { workflowBundle: { codePath: bundle } }, interceptorModules: [] }
    : { options: { workflowsPath: entry }, interceptorModules: [workflowInterceptorsPath()] };
}

/** Options every worker shares: graceful shutdown time and the metrics/log instrumentation. */
function instrumented(
  settings: Settings,
  metrics: WorkerMetrics,
  workflows: false | { interceptorModules: string[] },
) {
  return {
    shutdownGraceTime: settings.WORKER_SHUTDOWN_GRACE_MS,
    interceptors: {
      activity: [activityMetricsInterceptor(metrics)],
      ...(workflows && workflows.interceptorModules.length
        ? { workflowModules: workflows.interceptorModules }
        : {}),
    },
    ...(workflows ? { sinks: metricSinks(metrics) } : {}),
  } satisfies Partial<WorkerOptions>;
}

export async function connectWorker(
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NativeConnection> {
  // Temporal's environment configuration: address, TLS / API key (Temporal Cloud).
  return NativeConnection.connect(temporalTarget(settings, env).connectionOptions);
}

/** Sticky workflow cache and workflow-task slots, when set (SDK defaults otherwise). */
function capacityOptions(settings: Settings): Partial<WorkerOptions> {
  const o: Partial<WorkerOptions> = {};
  if (settings.MAX_CACHED_WORKFLOWS !== undefined)
    o.maxCachedWorkflows = settings.MAX_CACHED_WORKFLOWS;
  if (settings.WORKFLOW_TASK_SLOTS !== undefined)
    o.maxConcurrentWorkflowTaskExecutions = settings.WORKFLOW_TASK_SLOTS;
  return o;
}

/** The worker's GitHub client (App or token), installation ids kept for the profile's cache time. */
async function githubClient(ctx: WorkerContext) {
  const { createGitHubClient } = await import('../common/github-app.js');
  return createGitHubClient(
    ctx.settings.GITHUB_API_URL,
    ctx.env ?? process.env,
    ctx.settings.profile.cacheTtlMs,
  );
}

/** The redelivery job's activity when the worker has GitHub App credentials (none otherwise). */
function redeliveryActivities(ctx: WorkerContext) {
  const credentials = readAppCredentials(ctx.env ?? process.env);
  if (!credentials) return {};
  return onFirstCall(REDELIVERY_ACTIVITIES, async () => {
    const { GitHubAppInstallations } = await import('../common/github-app.js');
    const { createRedeliveryActivities } = await import('../activities/redelivery.js');
    const { app } = new GitHubAppInstallations(ctx.settings.GITHUB_API_URL, credentials);
    return createRedeliveryActivities({ app });
  });
}

/** `callModel` with the model an operator pinned for the agent type, if any. */
function withModelOverrides<A extends ModelActivities>(env: NodeJS.ProcessEnv, activities: A): A {
  return {
    ...activities,
    callModel: (input: Parameters<A['callModel']>[0]) =>
      activities.callModel({ ...input, model: modelFor(env, input.context.agent, input.model) }),
  };
}

export async function createOrchestratorWorker(ctx: WorkerContext): Promise<Worker> {
  const { settings } = ctx;
  assertReady(ctx.env ?? process.env, 'orchestrator');
  const metrics = ctx.metrics ?? new WorkerMetrics('orchestrator');
  // Bad GitHub credentials stop the worker now; the client is made by the first GitHub activity.
  checkGitHubCredentials(ctx.env ?? process.env);
  const githubBreaker = createBreaker('github', settings, metrics);
  const limits = parseAreaLimits(settings.AREA_LIMITS);
  // A missing classifier model stops the worker now; the model is read by the first analysis.
  issueTypeModelPath();
  const code = workflowCode(ctx.env ?? process.env);
  const worker = await Worker.create({
    connection: ctx.connection,
    namespace: temporalTarget(settings, ctx.env ?? process.env).namespace,
    taskQueue: settings.ORCHESTRATOR_TASK_QUEUE,
    ...code.options,
    ...capacityOptions(settings),
    ...(settings.ACTIVITY_TASK_SLOTS !== undefined && {
      maxConcurrentActivityTaskExecutions: settings.ACTIVITY_TASK_SLOTS,
    }),
    dataConverter: createDataConverter(ctx.env ?? process.env),
    // Each group's module (and its libraries) is imported by the group's first call.
    activities: {
      ...onFirstCall(GITHUB_ACTIVITIES, async () => {
        const { createGitHubActivities } = await import('../activities/github.js');
        return createGitHubActivities({ octokit: await githubClient(ctx), breaker: githubBreaker });
      }),
      ...onFirstCall(ANALYSIS_ACTIVITIES, async () => {
        const { createAnalysisActivities } = await import('../activities/analysis/activity.js');
        return createAnalysisActivities();
      }),
      // Each run reads these once (a local activity: its history keeps them).
      ...createRunSettingsActivities(
        runSettings(
          settings.profile,
          settings.MODEL_TASK_QUEUE,
          workspaceQueueOf(settings),
          settings.MODEL_RETRY_WINDOW_SECONDS && settings.MODEL_RETRY_WINDOW_SECONDS * 1000,
          webUiWorkflowUrl(settings, ''),
        ),
      ),
      ...onFirstCall(LEASE_ACTIVITIES, async () => {
        const { createLeaseActivities } = await import('../activities/lease.js');
        return createLeaseActivities({
          limits,
          recheckSeconds: settings.AREA_LEASE_RECHECK_SECONDS,
        });
      }),
      ...onFirstCall(BASE_CHECK_ACTIVITIES, async () => {
        const { createBaseCheckActivities } = await import('../activities/base-check.js');
        return createBaseCheckActivities();
      }),
      // App mode: the webhook redelivery job's activity, authenticated as the App itself.
      ...redeliveryActivities(ctx),
    },
    ...instrumented(settings, metrics, code),
    ...ctx.options,
  });
  return remember(worker, metrics);
}

export async function createModelWorker(ctx: WorkerContext): Promise<Worker> {
  const { settings } = ctx;
  assertReady(ctx.env ?? process.env, 'model-worker');
  const metrics = ctx.metrics ?? new WorkerMetrics('model');
  const { createAnthropic, createModelActivities } = await import('../activities/claude.js');
  const anthropic = createAnthropic(
    settings.ANTHROPIC_BASE_URL,
    readSecret('ANTHROPIC_API_KEY', ctx.env),
  );
  const { createGitHubActivities } = await import('../activities/github.js');
  const octokit = await githubClient(ctx);
  const github = createGitHubActivities({
    octokit,
    breaker: createBreaker('github', settings, metrics),
  });
  const cache = new DocsCache(64, settings.profile.cacheTtlMs);
  const agentDocs = (repo: string, sha: string) => {
    const [owner = '', name = ''] = repo.split('/');
    return cache.get(repo, sha, () => github.readAgentDocs({ owner, repo: name }, sha));
  };
  const worker = await Worker.create({
    connection: ctx.connection,
    namespace: temporalTarget(settings, ctx.env ?? process.env).namespace,
    taskQueue: settings.MODEL_TASK_QUEUE,
    // The operator's model per agent type (BLOGTUBE_MODEL_<AGENT>, BLOGTUBE_MODEL) wins.
    activities: withModelOverrides(
      ctx.env ?? process.env,
      createModelActivities({
        anthropic,
        agentDocs,
        breaker: createBreaker('anthropic', settings, metrics),
        cacheConversation: settings.MODEL_CACHE_CONVERSATION,
        prefixGate: new PrefixGate({ maxWaitMs: settings.MODEL_CACHE_WAIT_MS }),
        onPrefixWait: (ms) => metrics.prefixWait.observe(ms / 1000),
      }),
    ),
    dataConverter: createDataConverter(ctx.env ?? process.env),
    maxConcurrentActivityTaskExecutions: settings.MODEL_SLOTS,
    // Heartbeats reach Temporal every second (not every 0.8 × the 3 s timeout),
    // so a killed worker is noticed in ~3 s and a live call keeps 2 s of slack.
    maxHeartbeatThrottleInterval: MODEL_HEARTBEAT_THROTTLE_MS,
    ...capacityOptions(settings),
    // Cluster-wide: the server hands out at most this many model calls per second.
    ...(settings.MODEL_TASK_QUEUE_RATE_LIMIT > 0 && {
      maxTaskQueueActivitiesPerSecond: settings.MODEL_TASK_QUEUE_RATE_LIMIT,
    }),
    ...instrumented(settings, metrics, false),
    ...ctx.options,
  });
  return remember(worker, metrics);
}

/** A workspace worker: two Temporal workers (shared and own queue) over one store. */
export interface WorkspaceWorkers {
  shared: Worker;
  own: Worker;
  store: WorkspaceStore;
  /** What a crashed predecessor left under the root (removed at start). */
  leftovers: Leftovers;
  commands: boolean;
}

/** A queue no other worker polls: this process's workspaces are reached through it. */
export function ownWorkspaceQueue(shared: string): string {
  return `${shared}/${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

/**
 * The workspace worker. With commands on it refuses to start on a machine
 * that cannot sandbox (the error names the fix); it takes its workspace root
 * and removes a crashed predecessor's leftovers before it polls.
 */
export async function createWorkspaceWorkers(ctx: WorkerContext): Promise<WorkspaceWorkers> {
  const { settings } = ctx;
  const env = ctx.env ?? process.env;
  assertReady(env, 'workspace-worker');
  const { checkSandbox } = await import('../activities/workspace/sandbox.js');
  const { WorkspaceStore } = await import('../activities/workspace/workspaces.js');
  const { createWorkspaceActivities } = await import('../activities/workspace/activities.js');
  const root = settings.WORKSPACE_ROOT;
  let commands = settings.WORKSPACE_COMMANDS !== 'off';
  if (commands) {
    const problem = checkSandbox({ hostPath: env.PATH });
    if (problem && settings.WORKSPACE_COMMANDS === 'on') throw problem;
    if (problem) {
      Runtime.instance().logger.warn(
        `workspace commands off (WORKSPACE_COMMANDS=auto): ${problem.message}`,
      );
      commands = false;
    }
  }
  const octokit = await githubClient(ctx);
  const { store, leftovers } = await WorkspaceStore.open(root, octokit, {
    setup: { maxBytes: settings.WORKSPACE_SETUP_CACHE_MB * 1024 * 1024 },
  });
  if (commands) {
    // The sandbox user must reach the root (not under a 0700 home).
    const problem = checkSandbox({ hostPath: env.PATH, workspaceRoot: root });
    if (problem) throw problem;
  }
  const metrics = ctx.metrics ?? new WorkerMetrics('workspace');
  const ownTaskQueue = ownWorkspaceQueue(settings.WORKSPACE_TASK_QUEUE);
  const activities = createWorkspaceActivities({
    store,
    octokit,
    ownTaskQueue,
    commands,
    hostPath: env.PATH,
  });
  const common = {
    connection: ctx.connection,
    namespace: temporalTarget(settings, env).namespace,
    dataConverter: createDataConverter(env),
    maxConcurrentActivityTaskExecutions: settings.WORKSPACE_SLOTS,
    // A running command heartbeats every second: a dead worker is noticed in seconds.
    maxHeartbeatThrottleInterval: MODEL_HEARTBEAT_THROTTLE_MS,
    ...instrumented(settings, metrics, false),
    ...ctx.options,
  } satisfies Partial<WorkerOptions>;
  const shared = await Worker.create({
    ...common,
    taskQueue: settings.WORKSPACE_TASK_QUEUE,
    activities: { workspaceCreate: activities.workspaceCreate },
  });
  const { workspaceEdit, workspaceSearch, workspaceRun, workspaceFiles, workspaceRemove } =
    activities;
  const own = await Worker.create({
    ...common,
    taskQueue: ownTaskQueue,
    activities: {
      workspaceEdit,
      workspaceSearch,
      workspaceRun,
      workspaceFiles,
      workspaceRemove,
      workspaceCheck: activities.workspaceCheck,
    },
  });
  remember(shared, metrics);
  remember(own, metrics);
  return { shared, own, store, leftovers, commands };
}
