/**
 * Workspace recovery bench: a workspace worker is SIGKILLed while an agent's
 * command runs in its sandbox, N times (default 10). Per kill: how long until
 * the agent noticed (the call's timeout in history), and until the command
 * ran again on the other worker (rebuilt workspace: checkout, recorded edits,
 * setup). Real parts: a Temporal dev server, the GitHub simulator, the
 * orchestrator and model workers in this process, two workspace-worker
 * processes under real bubblewrap; the model is scripted
 * (sandbox/scripted-model.ts: create a file, run `sleep`, finish).
 *
 *   node dist/bench/workspace-recovery.js [--kills N] [--out DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { connectClient } from '../client/temporal.js';
import { loadSettings } from '../common/env.js';
import { createOctokit } from '../common/github-client.js';
import { agentWorkflowId, issueWorkflowId } from '../common/ids.js';
import type { IssueWorkflowInput, IssueWorkflowResult } from '../common/schemas.js';
import { ISSUE_WORKFLOW } from '../common/workflow-api.js';
import { adminCall } from '../sandbox/admin-client.js';
import { SANDBOX_API_KEY } from '../sandbox/anthropic/server.js';
import { commitFile } from '../sandbox/github/maintainer.js';
import { SANDBOX_TOKENS, startGitHubSim } from '../sandbox/github/server.js';
import { startScriptedModel, toolCalls } from '../sandbox/scripted-model.js';
import { startDevServer } from '../scripts/dev-server.js';
import { ROOT } from '../scripts/issue-data.js';
import { ensureTemporalCli } from '../scripts/temporal-cli.js';
import { createModelWorker, createOrchestratorWorker } from '../workers/create.js';
import { fmtMs, summarize, type Summary } from './stats.js';

const SLEEP_SECONDS = 4;

const CONFIG = [
  'version: 1',
  'limits: { max_turns: 6 }',
  'agents:',
  "  backend: { enabled: false, paths: ['api/**'] }",
  "  frontend: { enabled: false, paths: ['web/**'] }",
  "  devops: { enabled: false, paths: ['deploy/**'] }",
  "  documentation: { enabled: false, paths: ['docs/**'] }",
  'workspace: { network: none }',
  '',
].join('\n');

export interface RecoveryBench {
  startedAt: string;
  kills: number;
  /** SIGKILL → the agent's call failed with its timeout (recorded in history). */
  noticed: Summary;
  /** SIGKILL → the command started again on the other worker (workspace rebuilt). */
  rerun: Summary;
  /** Every run ended with its one commit and a PR. */
  allDone: boolean;
}

interface WorkerProc {
  child: ChildProcess;
  root: string;
  ready: Promise<void>;
}

function spawnWorkspaceWorker(env: NodeJS.ProcessEnv, root: string): WorkerProc {
  const child = spawn(process.execPath, [join(ROOT, 'dist/workers/workspace.js')], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env, WORKSPACE_ROOT: root },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const on = (b: Buffer) => {
      out += b.toString();
      if (out.includes('polling')) resolve();
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => reject(new Error(`workspace worker exited (${code}):\n${out}`)));
  });
  ready.catch(() => {});
  return { child, root, ready };
}

const millis = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  Number(String(t?.seconds ?? 0)) * 1000 + Math.round((t?.nanos ?? 0) / 1e6);

export async function runRecoveryBench(kills: number): Promise<RecoveryBench> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const cliPath = await ensureTemporalCli({ log });
  const server = await startDevServer({ cliPath, uiPort: false });
  const github = await startGitHubSim({ port: 0 });
  const model = await startScriptedModel((req) => {
    if (req.turn === 0) {
      return toolCalls(0, [
        [
          'str_replace_based_edit_tool',
          { command: 'create', path: 'db/bench.sql', file_text: 'SELECT 1;\n' },
        ],
      ]);
    }
    if (req.turn === 1) {
      return toolCalls(1, [['run', { command: `sleep ${SLEEP_SECONDS}; echo slept` }]]);
    }
    return toolCalls(req.turn, [['finish', { summary: 'bench' }]]);
  });
  const base = mkdtempSync(join(tmpdir(), 'blogtube-bench-wsr-'));
  chmodSync(base, 0o755);
  const owner = 'bench';
  const repo = 'blogtube';
  const suffix = randomUUID().slice(0, 8);
  const env: NodeJS.ProcessEnv = {
    BLOGTUBE_PROFILE: 'production',
    TEMPORAL_ADDRESS: server.address,
    GITHUB_API_URL: github.url,
    ANTHROPIC_BASE_URL: model.url,
    ORCHESTRATOR_TASK_QUEUE: `orchestrator-${suffix}`,
    MODEL_TASK_QUEUE: `model-${suffix}`,
    WORKSPACE_TASK_QUEUE: `workspace-${suffix}`,
    // The orchestrator's runs give their agents workspaces (a run setting).
    WORKSPACE_AGENTS: 'on',
    GITHUB_TOKEN: SANDBOX_TOKENS.bot,
    ANTHROPIC_API_KEY: SANDBOX_API_KEY,
    BLOGTUBE_CODEC_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    WORKSPACE_WORKER_METRICS_PORT: '0',
    WORKSPACE_WORKER_CORE_METRICS_PORT: '',
  };
  const workers: WorkerProc[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    await adminCall(github.url, 'POST', '/_sim/repos', { owner, repo });
    const maintainer = createOctokit(github.url, SANDBOX_TOKENS.maintainer);
    await commitFile(maintainer, { owner, repo }, '.github/blogtube.yml', CONFIG);
    const settings = loadSettings(env);
    const connection = await NativeConnection.connect({ address: server.address });
    const opts = { settings, connection, env, options: { shutdownGraceTime: '1s' } };
    const inProcess = [await createOrchestratorWorker(opts), await createModelWorker(opts)];
    const running = inProcess.map((w) => w.run());
    stops.push(async () => {
      for (const w of inProcess) w.shutdown();
      await Promise.allSettled(running);
      await connection.close();
    });
    const client = await connectClient(settings, env);
    stops.push(() => client.connection.close());

    for (const name of ['a', 'b']) {
      mkdirSync(join(base, name));
      workers.push(spawnWorkspaceWorker(env, join(base, name)));
    }
    await Promise.all(workers.map((w) => w.ready));

    const noticed: number[] = [];
    const rerun: number[] = [];
    let allDone = true;
    for (let i = 0; i < kills; i++) {
      const { data: issue } = await maintainer.rest.issues.create({
        owner,
        repo,
        title: `Recovery bench ${i + 1}`,
        body: 'Add db/bench.sql.',
      });
      const ref = { owner, repo, number: issue.number };
      const input: IssueWorkflowInput = {
        ref,
        trigger: { deliveryId: randomUUID(), event: 'bench', sender: 'bench' },
      };
      const run = await client.workflow.start(ISSUE_WORKFLOW, {
        workflowId: issueWorkflowId(ref),
        taskQueue: settings.ORCHESTRATOR_TASK_QUEUE,
        args: [input],
      });
      const agent = client.workflow.getHandle(agentWorkflowId(ref, 'database'));
      let victim: WorkerProc | undefined;
      while (!victim) {
        const d = await agent.describe().catch(() => undefined);
        const p = d?.raw.pendingActivities?.find(
          (a) => a.activityType?.name === 'workspaceRun' && a.lastWorkerIdentity,
        );
        const pid = Number(/^(\d+)@/.exec(p?.lastWorkerIdentity ?? '')?.[1]);
        victim = workers.find((w) => w.child.pid === pid && w.child.exitCode === null);
        if (!victim) await new Promise((r) => setTimeout(r, 50));
      }
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      const result = (await run.result()) as IssueWorkflowResult;
      if (result.phase !== 'done') allDone = false;
      const events = (await agent.fetchHistory()).events ?? [];
      const timedOut = events.find((e) => e.activityTaskTimedOutEventAttributes);
      const runs = events.filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'workspaceRun',
      );
      const again = events.find(
        (e) =>
          String(e.activityTaskStartedEventAttributes?.scheduledEventId) ===
          String(runs[1]?.eventId),
      );
      noticed.push(millis(timedOut?.eventTime) - killedAt);
      rerun.push(millis(again?.eventTime) - killedAt);
      log(
        `[workspace-recovery] kill ${i + 1}/${kills}: noticed ${fmtMs(noticed.at(-1)!)}, command running again ${fmtMs(rerun.at(-1)!)}`,
      );
      // Two workers again for the next kill: a successor on the dead one's root.
      const successor = spawnWorkspaceWorker(env, victim.root);
      workers[workers.indexOf(victim)] = successor;
      await successor.ready;
    }
    return {
      startedAt: new Date().toISOString(),
      kills,
      noticed: summarize(noticed),
      rerun: summarize(rerun),
      allDone,
    };
  } finally {
    for (const w of workers) w.child.kill('SIGTERM');
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await model.close();
    await github.close();
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

export function recoveryMarkdown(r: RecoveryBench): string {
  const row = (name: string, s: Summary) =>
    `| ${name} | ${s.n} | ${fmtMs(s.p50)} | ${fmtMs(s.max)} |`;
  return [
    `## Recovery after a workspace-worker SIGKILL (${r.startedAt})`,
    '',
    `A \`sleep ${SLEEP_SECONDS}\` command running in the agent's sandbox, its worker SIGKILLed; every run ${r.allDone ? 'finished with its commit' : 'did NOT all finish'}.`,
    '',
    '| From the SIGKILL to | kills | median | max |',
    '| --- | --: | --: | --: |',
    row('the agent noticing (call timed out)', r.noticed),
    row('the command running again on the other worker', r.rerun),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { kills: { type: 'string', default: '10' }, out: { type: 'string' } },
  });
  const report = await runRecoveryBench(Number(values.kills));
  const out = values.out ?? join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const stem = join(out, `${report.startedAt.replace(/[:.]/g, '-')}-workspace-recovery`);
  writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${stem}.md`, recoveryMarkdown(report));
  process.stdout.write(`${recoveryMarkdown(report)}\nwritten: ${stem}.{json,md}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
