/**
 * The demo issue end to end, with workspace agents (checkouts, editor, search,
 * the project's tests run in the sandbox; `WORKSPACE_AGENTS=on`, as `npm
 * start` runs it now) against the same issue with whole-file agents
 * (`WORKSPACE_AGENTS=off`, as before), in one run: the modes alternate, so
 * machine noise hits both alike. Per run: the issue workflow's start to its
 * result, and whether the PR branch passes the sandbox project's own test
 * suite (`node --test` on the branch's tarball, outside the system).
 *
 * Real parts: a Temporal dev server, the GitHub simulator, the Anthropic
 * simulator at `npm start`'s pace (300 ms to first token, 400 tokens/s), the
 * orchestrator, model and workspace workers in this process, real bubblewrap.
 *
 *   node dist/bench/demo-e2e.js [--runs N] [--out DIR]
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { extractArchive, downloadTarball } from '../activities/workspace/checkout.js';
import { DEMO_ISSUE } from '../client/demo.js';
import { connectClient } from '../client/temporal.js';
import { loadSettings } from '../common/env.js';
import { createOctokit } from '../common/github-client.js';
import { agentWorkflowId, issueBranch, issueWorkflowId } from '../common/ids.js';
import type { IssueWorkflowInput, IssueWorkflowResult } from '../common/schemas.js';
import { ISSUE_WORKFLOW, statusQuery } from '../common/workflow-api.js';
import { adminCall } from '../sandbox/admin-client.js';
import { SANDBOX_API_KEY, startAnthropicSim } from '../sandbox/anthropic/server.js';
import { SANDBOX_TOKENS, startGitHubSim } from '../sandbox/github/server.js';
import { startDevServer } from '../scripts/dev-server.js';
import { ensureTemporalCli } from '../scripts/temporal-cli.js';
import {
  createModelWorker,
  createOrchestratorWorker,
  createWorkspaceWorkers,
} from '../workers/create.js';
import { fmtMs, summarize, type Summary } from './stats.js';

type Mode = 'workspaces' | 'whole-files';

export interface ModeResult {
  mode: Mode;
  endToEnd: Summary;
  /** Runs whose PR branch passed the project's own tests. */
  branchTestsPassed: number;
  runs: number;
  /** Commands the agents ran, per run (median). */
  commandsPerRun: number;
}

export interface DemoBench {
  startedAt: string;
  runs: number;
  modes: ModeResult[];
  /** workspaces p50 / whole-files p50. */
  ratio: number;
}

export async function runDemoBench(runs: number): Promise<DemoBench> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const cliPath = await ensureTemporalCli({ log });
  const server = await startDevServer({ cliPath, uiPort: false });
  const github = await startGitHubSim({ port: 0 });
  const anthropic = await startAnthropicSim({ port: 0, ttftMs: 300, tokensPerSec: 400 });
  const base = mkdtempSync(join(tmpdir(), 'blogtube-bench-demo-'));
  chmodSync(base, 0o755);
  const keys = `bench:${randomBytes(32).toString('base64')}`;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const connection = await NativeConnection.connect({ address: server.address });
    stops.push(() => connection.close());
    const envOf = (mode: Mode): NodeJS.ProcessEnv => {
      const q = `${mode}-${randomUUID().slice(0, 8)}`;
      return {
        TEMPORAL_ADDRESS: server.address,
        GITHUB_API_URL: github.url,
        ANTHROPIC_BASE_URL: anthropic.url,
        ORCHESTRATOR_TASK_QUEUE: `orchestrator-${q}`,
        MODEL_TASK_QUEUE: `model-${q}`,
        WORKSPACE_TASK_QUEUE: `workspace-${q}`,
        WORKSPACE_AGENTS: mode === 'workspaces' ? 'on' : 'off',
        WORKSPACE_ROOT: join(base, 'root'),
        GITHUB_TOKEN: SANDBOX_TOKENS.bot,
        ANTHROPIC_API_KEY: SANDBOX_API_KEY,
        BLOGTUBE_CODEC_KEYS: keys,
      };
    };
    const queues = new Map<Mode, string>();
    const workers: Worker[] = [];
    for (const mode of ['workspaces', 'whole-files'] as const) {
      const env = envOf(mode);
      const settings = loadSettings(env);
      const ctx = { settings, connection, env, options: { shutdownGraceTime: '1s' } };
      workers.push(await createOrchestratorWorker(ctx), await createModelWorker(ctx));
      if (mode === 'workspaces') {
        const w = await createWorkspaceWorkers(ctx);
        workers.push(w.shared, w.own);
      }
      queues.set(mode, settings.ORCHESTRATOR_TASK_QUEUE);
    }
    const running = workers.map((w) => w.run());
    stops.unshift(async () => {
      for (const w of workers) w.shutdown();
      await Promise.allSettled(running);
    });
    const client = await connectClient(loadSettings(envOf('whole-files')), envOf('whole-files'));
    stops.unshift(() => client.connection.close());
    const maintainer = createOctokit(github.url, SANDBOX_TOKENS.maintainer);
    const bot = createOctokit(github.url, SANDBOX_TOKENS.bot);

    const times: Record<Mode, number[]> = { workspaces: [], 'whole-files': [] };
    const passed: Record<Mode, number> = { workspaces: 0, 'whole-files': 0 };
    const commands: Record<Mode, number[]> = { workspaces: [], 'whole-files': [] };
    for (let i = 0; i < runs; i++) {
      for (const mode of ['workspaces', 'whole-files'] as const) {
        const ref0 = { owner: 'bench', repo: `demo-${mode}-${i}` };
        await adminCall(github.url, 'POST', '/_sim/repos', ref0);
        const { data: issue } = await maintainer.rest.issues.create({ ...ref0, ...DEMO_ISSUE });
        const ref = { ...ref0, number: issue.number };
        const input: IssueWorkflowInput = {
          ref,
          trigger: { deliveryId: randomUUID(), event: 'bench', sender: 'bench' },
        };
        const t0 = Date.now();
        const handle = await client.workflow.start(ISSUE_WORKFLOW, {
          workflowId: issueWorkflowId(ref),
          taskQueue: queues.get(mode) as string,
          args: [input],
        });
        const result = (await handle.result()) as IssueWorkflowResult;
        const ms = Date.now() - t0;
        if (result.phase !== 'done') throw new Error(`${mode} run ${i + 1}: ${result.phase}`);
        times[mode].push(ms);
        // The branch, on its own, through the project's own test suite.
        const { data: branch } = await bot.rest.repos.getBranch({
          ...ref0,
          branch: issueBranch(ref),
        });
        const dir = mkdtempSync(join(base, 'branch-'));
        await extractArchive(await downloadTarball(bot, ref0, branch.commit.sha), dir, {
          maxBytes: 64 * 1024 * 1024,
        });
        const suite = spawnSync('node', ['--test'], { cwd: dir, encoding: 'utf8' });
        if (suite.status === 0) passed[mode] += 1;
        rmSync(dir, { recursive: true, force: true });
        let ran = 0;
        for (const a of (await handle.query(statusQuery)).agents) {
          const id = agentWorkflowId(ref, a.agent);
          const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
          ran += events.filter(
            (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'workspaceRun',
          ).length;
        }
        commands[mode].push(ran);
        log(
          `[demo-e2e] ${mode} run ${i + 1}/${runs}: ${fmtMs(ms)}, branch tests ${suite.status === 0 ? 'pass' : 'FAIL'}, ${ran} command(s)`,
        );
      }
    }
    const modes = (['workspaces', 'whole-files'] as const).map((mode) => ({
      mode,
      endToEnd: summarize(times[mode]),
      branchTestsPassed: passed[mode],
      runs,
      commandsPerRun: summarize(commands[mode]).p50,
    }));
    return {
      startedAt: new Date().toISOString(),
      runs,
      modes,
      ratio: Math.round((modes[0]!.endToEnd.p50 / modes[1]!.endToEnd.p50) * 100) / 100,
    };
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    await anthropic.close();
    await github.close();
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

export function demoMarkdown(r: DemoBench): string {
  const row = (m: ModeResult) =>
    `| ${m.mode === 'workspaces' ? 'workspace agents (`WORKSPACE_AGENTS=on`)' : 'whole-file agents (`WORKSPACE_AGENTS=off`)'} | ${m.endToEnd.n} | ${fmtMs(m.endToEnd.p50)} | ${fmtMs(m.endToEnd.max)} | ${m.commandsPerRun} | ${m.branchTestsPassed}/${m.runs} |`;
  return [
    `# Demo issue end to end ${r.startedAt}`,
    '',
    '| Agents | n | p50 | max | commands run (p50) | PR branch passes the project’s tests |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.modes.map(row),
    '',
    `Ratio (workspaces / whole files, p50): ${r.ratio}×`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      out: { type: 'string', default: 'bench/results' },
    },
  });
  const report = await runDemoBench(Number(values.runs));
  const md = demoMarkdown(report);
  mkdirSync(values.out, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  writeFileSync(join(values.out, `${stamp}-demo-e2e.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(values.out, `${stamp}-demo-e2e.md`), md);
  process.stdout.write(md);
  process.exit(0);
}
