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
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createOctokit } from '../common/github-client.js';
import { agentWorkflowId } from '../common/ids.js';
import type { IssueWorkflowResult } from '../common/schemas.js';
import { adminCall } from '../sandbox/admin-client.js';
import { commitFile } from '../sandbox/github/maintainer.js';
import { SANDBOX_TOKENS } from '../sandbox/github/server.js';
import { startScriptedModel, toolCalls } from '../sandbox/scripted-model.js';
import { ROOT } from '../scripts/issue-data.js';
import { fmtMs, summarize, type Summary } from './stats.js';
import { benchMain } from './support/main.js';
import {
  eventMillis,
  log,
  queueSuffix,
  startBenchStack,
  startInProcessWorkers,
  startIssueRun,
  type InProcessWorkers,
} from './support/stack.js';

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

export async function runRecoveryBench(kills: number): Promise<RecoveryBench> {
  const stack = await startBenchStack('wsr');
  const { github, base } = stack;
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
  const owner = 'bench';
  const repo = 'blogtube';
  const env: NodeJS.ProcessEnv = {
    ...stack.env(model.url, queueSuffix()),
    BLOGTUBE_PROFILE: 'production',
    // The orchestrator's runs give their agents workspaces (a run setting).
    WORKSPACE_AGENTS: 'on',
    WORKSPACE_WORKER_METRICS_PORT: '0',
    WORKSPACE_WORKER_CORE_METRICS_PORT: '',
  };
  const workers: WorkerProc[] = [];
  let inProcess: InProcessWorkers | undefined;
  try {
    await adminCall(github.url, 'POST', '/_sim/repos', { owner, repo });
    const maintainer = createOctokit(github.url, SANDBOX_TOKENS.maintainer);
    await commitFile(maintainer, { owner, repo }, '.github/blogtube.yml', CONFIG);
    inProcess = await startInProcessWorkers(stack.server.address, [{ env, workspace: false }]);
    const { client } = inProcess;
    const settings = inProcess.settings[0]!;

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
      const run = await startIssueRun(client, settings.ORCHESTRATOR_TASK_QUEUE, ref);
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
      noticed.push(eventMillis(timedOut?.eventTime) - killedAt);
      rerun.push(eventMillis(again?.eventTime) - killedAt);
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
    await inProcess?.stop().catch(() => undefined);
    await model.close();
    await stack.close();
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

benchMain(
  import.meta.url,
  { name: 'workspace-recovery', kills: 10 },
  runRecoveryBench,
  recoveryMarkdown,
);
