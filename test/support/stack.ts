/**
 * A whole BlogTube stack for one test file, all real parts: the GitHub and
 * Anthropic simulators on loopback, the orchestrator and model workers and the
 * webhook bridge in this process, against the dev server from global setup.
 * Each stack has its own task queues and its own simulated repository, so test
 * files running side by side never share a workflow id.
 */
import { adminCall } from '../../sandbox/admin-client.js';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { inspect } from 'node:util';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createBridge, serverUrl } from '../../client/bridge.js';
import { PermissionChecker } from '../../client/permissions.js';
import { connectClient } from '../../client/temporal.js';
import { deliverWebhook } from '../../client/demo.js';
import { loadSettings } from '../../common/env.js';
import type { Settings } from '../../common/env.js';
import { createOctokit } from '../../common/github-client.js';
import {
  createModelWorker,
  createOrchestratorWorker,
  createWorkspaceWorkers,
} from '../../workers/create.js';
import { metricsOf } from '../../workers/create.js';
import type { BridgeMetrics, WorkerMetrics } from '../../common/metrics.js';
import { bridgeObserver } from '../../common/metrics-bridge.js';
import { startAnthropicSim, SANDBOX_API_KEY } from '../../sandbox/anthropic/server.js';
import type { AnthropicSim } from '../../sandbox/anthropic/server.js';
import { commitFile } from '../../sandbox/github/maintainer.js';
import { startGitHubSim, SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import type { GitHubSim } from '../../sandbox/github/server.js';
import { appendTestLog, recordTestSecrets } from './secret-scan.js';

export const WEBHOOK_SECRET = 'test-webhook-secret';

export interface Stack {
  github: GitHubSim;
  anthropic: AnthropicSim;
  client: Client;
  settings: Settings;
  /** The environment the workers run with (task queues, codec keys, sandbox credentials). */
  env: NodeJS.ProcessEnv;
  /** The Prometheus registries of this stack's in-process workers and bridge (the bridge serves /metrics). */
  metrics: { orchestrator?: WorkerMetrics; model?: WorkerMetrics; bridge: BridgeMetrics };
  bridgeUrl: string;
  owner: string;
  repo: string;
  /** Admin call to a simulator (`/_sim/...`). */
  sim(
    which: 'github' | 'anthropic',
    method: string,
    path: string,
    body?: unknown,
  ): Promise<unknown>;
  /**
   * Open an issue as `token`'s user and deliver its signed `issues.opened`
   * webhook; `repo` names another repository of this stack's owner (made by
   * `addRepo`).
   */
  openIssue(opts: {
    title: string;
    body: string;
    token?: string;
    deliveryId?: string;
    repo?: string;
  }): Promise<{
    number: number;
    status: number;
    reply: unknown;
    payload: unknown;
  }>;
  /** Seed another copy of the sandbox repository under this stack's owner. */
  addRepo(name: string): Promise<void>;
  /** Commit a file to the default branch as the maintainer. */
  commitFile(path: string, content: string): Promise<void>;
  deliver(
    event: string,
    payload: unknown,
    opts?: { deliveryId?: string; secret?: string },
  ): Promise<{ status: number; reply: unknown }>;
  stop(): Promise<void>;
}

export async function startStack(
  opts: {
    ttftMs?: number;
    tokensPerSec?: number;
    /** Extra worker environment (e.g. `BREAKER_FAILURE_THRESHOLD`). */
    env?: NodeJS.ProcessEnv;
    /**
     * Which workers run in this process (default both). A test that kills
     * workers runs them as processes instead (test/support/worker-process.ts).
     */
    inline?: { orchestrator?: boolean; model?: boolean };
    /** Temporal server other than global setup's dev server. */
    address?: string;
    /**
     * Agents with workspaces: runs name a workspace queue of their own, and
     * (`inline`, default true) a workspace worker runs in this process with
     * its root under `root`.
     */
    workspace?: { root: string; inline?: boolean };
    /** A Messages API other than the stack's simulator (a scripted model). */
    anthropicUrl?: string;
  } = {},
): Promise<Stack> {
  const address = opts.address ?? process.env.TEMPORAL_ADDRESS;
  if (!address)
    throw new Error(
      'TEMPORAL_ADDRESS is not set: run the tests through jest (global setup starts the dev server)',
    );
  quietRuntime();
  const github = await startGitHubSim({ port: 0 });
  const anthropic = await startAnthropicSim({
    port: 0,
    ttftMs: opts.ttftMs ?? 0,
    tokensPerSec: opts.tokensPerSec ?? 0,
  });
  const owner = `t${randomUUID().slice(0, 8)}`;
  const repo = 'blogtube';
  await adminCall(github.url, 'POST', '/_sim/repos', { owner, repo });

  const suffix = randomUUID().slice(0, 8);
  const env: NodeJS.ProcessEnv = {
    // The profile a deployment runs (the image's); a test may name another in opts.env.
    BLOGTUBE_PROFILE: 'production',
    TEMPORAL_ADDRESS: address,
    GITHUB_API_URL: github.url,
    ANTHROPIC_BASE_URL: opts.anthropicUrl ?? anthropic.url,
    ORCHESTRATOR_TASK_QUEUE: `orchestrator-${suffix}`,
    MODEL_TASK_QUEUE: `model-${suffix}`,
    WORKSPACE_TASK_QUEUE: `workspace-${suffix}`,
    // The orchestrator's runs give their agents workspaces (a run setting).
    ...(opts.workspace ? { WORKSPACE_ROOT: opts.workspace.root, WORKSPACE_AGENTS: 'on' } : {}),
    GITHUB_TOKEN: SANDBOX_TOKENS.bot,
    ANTHROPIC_API_KEY: SANDBOX_API_KEY,
    // Every stack runs with encrypted payloads, as production does.
    BLOGTUBE_CODEC_KEYS: `test:${randomBytes(32).toString('base64')}`,
    ...opts.env,
  };
  // For the secret scan in global teardown (test-only; removed after it).
  recordTestSecrets(
    [
      ...Object.entries(SANDBOX_TOKENS).map(([who, value]) => ({
        name: `GitHub token (${who})`,
        value,
      })),
      { name: 'ANTHROPIC_API_KEY', value: SANDBOX_API_KEY },
      { name: 'GITHUB_WEBHOOK_SECRET', value: WEBHOOK_SECRET },
    ],
    env.BLOGTUBE_CODEC_KEYS ? [env.BLOGTUBE_CODEC_KEYS] : [],
  );
  const settings = loadSettings(env);
  const connection = await NativeConnection.connect({ address });
  const workerOptions = { shutdownGraceTime: '1s' };
  const workers: Worker[] = [];
  if (opts.inline?.orchestrator ?? true) {
    workers.push(
      await createOrchestratorWorker({ settings, connection, env, options: workerOptions }),
    );
  }
  if (opts.inline?.model ?? true) {
    workers.push(await createModelWorker({ settings, connection, env, options: workerOptions }));
  }
  if (opts.workspace && (opts.workspace.inline ?? true)) {
    const ws = await createWorkspaceWorkers({ settings, connection, env, options: workerOptions });
    workers.push(ws.shared, ws.own);
  }
  const running = workers.map((w) => w.run());
  const client = await connectClient(settings, env);
  const observe = bridgeObserver(client);
  const bridge = createBridge({
    client,
    permissions: new PermissionChecker(createOctokit(github.url, SANDBOX_TOKENS.bot), 60_000),
    secrets: [WEBHOOK_SECRET],
    orchestratorTaskQueue: settings.ORCHESTRATOR_TASK_QUEUE,
    triggerLabel: 'blogtube',
    maxBodyBytes: 256 * 1024,
    observe,
    log: (line) => appendTestLog('bridge', line),
  });
  const server: Server = await bridge.listen(0, '127.0.0.1');
  const bridgeUrl = serverUrl(server);

  const deliver: Stack['deliver'] = async (event, payload, o = {}) =>
    deliverWebhook(
      bridgeUrl,
      o.secret ?? WEBHOOK_SECRET,
      event,
      payload,
      o.deliveryId ?? randomUUID(),
    );

  return {
    github,
    anthropic,
    client,
    settings,
    env,
    metrics: {
      orchestrator: workers.map(metricsOf).find((m) => m?.role === 'orchestrator'),
      model: workers.map(metricsOf).find((m) => m?.role === 'model'),
      bridge: observe.metrics,
    },
    bridgeUrl,
    owner,
    repo,
    sim: (which, method, path, body) =>
      adminCall(which === 'github' ? github.url : anthropic.url, method, path, body),
    async openIssue({ title, body, token, deliveryId, repo: inRepo = repo }) {
      const octokit = createOctokit(github.url, token ?? SANDBOX_TOKENS.maintainer);
      const [{ data: repository }, { data: issue }] = await Promise.all([
        octokit.rest.repos.get({ owner, repo: inRepo }),
        octokit.rest.issues.create({ owner, repo: inRepo, title, body }),
      ]);
      const payload = { action: 'opened', issue, repository, sender: issue.user };
      const { status, reply } = await deliver('issues', payload, { deliveryId });
      return { number: issue.number, status, reply, payload };
    },
    deliver,
    async addRepo(name) {
      await adminCall(github.url, 'POST', '/_sim/repos', { owner, repo: name });
    },
    async commitFile(path, content) {
      await commitFile(
        createOctokit(github.url, SANDBOX_TOKENS.maintainer),
        { owner, repo },
        path,
        content,
      );
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const w of workers) w.shutdown();
      await Promise.allSettled(running);
      await client.connection.close();
      await connection.close();
      await github.close();
      await anthropic.close();
    },
  };
}

/** Workers log expected failures (injected 400s…) at WARN: keep test output to errors. */
function quietRuntime(): void {
  try {
    const debug = process.env.BLOGTUBE_TEST_LOG_LEVEL === 'debug';
    // Everything from INFO goes to artifacts/test-logs/ (scanned for secrets
    // after the run); the console gets errors only.
    Runtime.install({
      logger: new DefaultLogger(debug ? 'DEBUG' : 'INFO', (entry) => {
        const meta = entry.meta
          ? ` ${inspect(entry.meta, { depth: 5, breakLength: Infinity })}`
          : '';
        appendTestLog(`sdk ${entry.level}`, `${entry.message}${meta}`);
        if (debug || entry.level === 'ERROR') {
          process.stderr.write(`[${entry.level}] ${entry.message}${meta}\n`);
        }
      }),
    });
  } catch {
    // Already installed in this Jest worker by an earlier test file.
  }
}
