/**
 * What the whole-run benches (checks, workspace recovery, demo end to end)
 * share: a Temporal dev server and the GitHub simulator on loopback, a
 * scratch folder, the environment a run's workers start from, the
 * orchestrator, model and workspace workers in this process, an issue run
 * started as a bench trigger.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { connectClient } from '../../client/temporal.js';
import { loadSettings, type Settings } from '../../common/env.js';
import { issueWorkflowId } from '../../common/ids.js';
import type { IssueRef, IssueWorkflowInput } from '../../common/schemas.js';
import { ISSUE_WORKFLOW } from '../../common/workflow-api.js';
import { SANDBOX_API_KEY } from '../../sandbox/anthropic/server.js';
import { SANDBOX_TOKENS, startGitHubSim, type GitHubSim } from '../../sandbox/github/server.js';
import { startDevServer, type DevServer } from '../../scripts/dev-server.js';
import { ensureTemporalCli } from '../../scripts/temporal-cli.js';
import {
  createModelWorker,
  createOrchestratorWorker,
  createWorkspaceWorkers,
} from '../../workers/create.js';

export const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

export interface BenchStack {
  server: DevServer;
  github: GitHubSim;
  /** A scratch folder (mode 755, so sandboxed commands can enter it), removed by `close`. */
  base: string;
  /**
   * The environment a run's workers and client start from: this stack's
   * servers, `modelUrl` as the Anthropic API, task queues named after
   * `queue`, the sandbox credentials and this stack's codec keys.
   */
  env(modelUrl: string, queue: string): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** Starts the dev server (cached Temporal CLI) and the GitHub simulator; `name` names the scratch folder. */
export async function startBenchStack(name: string): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const cliPath = await ensureTemporalCli({ log });
  const server = await startDevServer({ cliPath, uiPort: false });
  const github = await startGitHubSim({ port: 0 });
  const base = mkdtempSync(join(tmpdir(), `blogtube-bench-${name}-`));
  chmodSync(base, 0o755);
  const keys = `bench:${randomBytes(32).toString('base64')}`;
  return {
    server,
    github,
    base,
    env: (modelUrl, queue) => ({
      TEMPORAL_ADDRESS: server.address,
      GITHUB_API_URL: github.url,
      ANTHROPIC_BASE_URL: modelUrl,
      ORCHESTRATOR_TASK_QUEUE: `orchestrator-${queue}`,
      MODEL_TASK_QUEUE: `model-${queue}`,
      WORKSPACE_TASK_QUEUE: `workspace-${queue}`,
      GITHUB_TOKEN: SANDBOX_TOKENS.bot,
      ANTHROPIC_API_KEY: SANDBOX_API_KEY,
      BLOGTUBE_CODEC_KEYS: keys,
    }),
    async close() {
      await github.close();
      await server.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A random task-queue suffix, so runs never share a queue. */
export const queueSuffix = (): string => randomUUID().slice(0, 8);

export interface InProcessWorkers {
  /** One per environment given, in order. */
  settings: Settings[];
  /** A client connected with the first environment. */
  client: Client;
  /** Closes the client, shuts the workers down, closes their connection. */
  stop(): Promise<void>;
}

/**
 * For each environment: its orchestrator and model workers, and its two
 * workspace workers where `workspace` says so, all running in this process on
 * one connection to `address`.
 */
export async function startInProcessWorkers(
  address: string,
  runs: { env: NodeJS.ProcessEnv; workspace: boolean }[],
): Promise<InProcessWorkers> {
  const connection = await NativeConnection.connect({ address });
  const workers: Worker[] = [];
  const settings: Settings[] = [];
  for (const { env, workspace } of runs) {
    const s = loadSettings(env);
    const opts = { settings: s, connection, env, options: { shutdownGraceTime: '1s' } };
    workers.push(await createOrchestratorWorker(opts), await createModelWorker(opts));
    if (workspace) {
      const ws = await createWorkspaceWorkers(opts);
      workers.push(ws.shared, ws.own);
    }
    settings.push(s);
  }
  const running = workers.map((w) => w.run());
  const first = runs[0]?.env ?? {};
  const client = await connectClient(loadSettings(first), first);
  return {
    settings,
    client,
    async stop() {
      await client.connection.close().catch(() => undefined);
      for (const w of workers) w.shutdown();
      await Promise.allSettled(running);
      await connection.close();
    },
  };
}

/** Starts the issue workflow for `ref` on `taskQueue`, triggered as the bench. */
export function startIssueRun(
  client: Client,
  taskQueue: string,
  ref: IssueRef,
): Promise<WorkflowHandle> {
  const input: IssueWorkflowInput = {
    ref,
    trigger: { deliveryId: randomUUID(), event: 'bench', sender: 'bench' },
  };
  return client.workflow.start(ISSUE_WORKFLOW, {
    workflowId: issueWorkflowId(ref),
    taskQueue,
    args: [input],
  });
}

/** A history event's time in epoch milliseconds. */
export const eventMillis = (
  t: { seconds?: unknown; nanos?: number | null } | null | undefined,
): number => Number(String(t?.seconds ?? 0)) * 1000 + Math.round((t?.nanos ?? 0) / 1e6);
