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
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { extractArchive, downloadTarball } from '../activities/workspace/checkout.js';
import { DEMO_ISSUE } from '../client/demo.js';
import { createOctokit } from '../common/github-client.js';
import { agentWorkflowId, issueBranch } from '../common/ids.js';
import type { IssueWorkflowResult } from '../common/schemas.js';
import { statusQuery } from '../common/workflow-api.js';
import { adminCall } from '../sandbox/admin-client.js';
import { startAnthropicSim } from '../sandbox/anthropic/server.js';
import { SANDBOX_TOKENS } from '../sandbox/github/server.js';
import { fmtMs, summarize, type Summary } from './stats.js';
import { benchMain } from './support/main.js';
import {
  log,
  queueSuffix,
  startBenchStack,
  startInProcessWorkers,
  startIssueRun,
  type InProcessWorkers,
} from './support/stack.js';

const MODES = ['workspaces', 'whole-files'] as const;
type Mode = (typeof MODES)[number];

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
  const stack = await startBenchStack('demo');
  const { github, base } = stack;
  const anthropic = await startAnthropicSim({ port: 0, ttftMs: 300, tokensPerSec: 400 });
  let workers: InProcessWorkers | undefined;
  try {
    const started = await startInProcessWorkers(
      stack.server.address,
      MODES.map((mode) => ({
        env: {
          ...stack.env(anthropic.url, `${mode}-${queueSuffix()}`),
          WORKSPACE_AGENTS: mode === 'workspaces' ? 'on' : 'off',
          WORKSPACE_ROOT: join(base, 'root'),
        },
        workspace: mode === 'workspaces',
      })),
    );
    workers = started;
    const { client } = started;
    const queues = new Map<Mode, string>(
      MODES.map((mode, i) => [mode, started.settings[i]!.ORCHESTRATOR_TASK_QUEUE]),
    );
    const maintainer = createOctokit(github.url, SANDBOX_TOKENS.maintainer);
    const bot = createOctokit(github.url, SANDBOX_TOKENS.bot);

    const times: Record<Mode, number[]> = { workspaces: [], 'whole-files': [] };
    const passed: Record<Mode, number> = { workspaces: 0, 'whole-files': 0 };
    const commands: Record<Mode, number[]> = { workspaces: [], 'whole-files': [] };
    for (let i = 0; i < runs; i++) {
      for (const mode of MODES) {
        const ref0 = { owner: 'bench', repo: `demo-${mode}-${i}` };
        await adminCall(github.url, 'POST', '/_sim/repos', ref0);
        const { data: issue } = await maintainer.rest.issues.create({ ...ref0, ...DEMO_ISSUE });
        const ref = { ...ref0, number: issue.number };
        const t0 = Date.now();
        const handle = await startIssueRun(client, queues.get(mode) as string, ref);
        const result = (await handle.result()) as IssueWorkflowResult;
        const ms = Date.now() - t0;
        if (result.phase !== 'done') throw new Error(`${mode} run ${i + 1}: ${result.phase}`);
        times[mode].push(ms);
        // The run's branch (run-scoped since property 8), on its own, through the project's own test suite.
        const status = await handle.query(statusQuery);
        const { data: branch } = await bot.rest.repos.getBranch({
          ...ref0,
          branch: status.branch ?? issueBranch(ref),
        });
        const dir = mkdtempSync(join(base, 'branch-'));
        await extractArchive(await downloadTarball(bot, ref0, branch.commit.sha), dir, {
          maxBytes: 64 * 1024 * 1024,
        });
        const suite = spawnSync('node', ['--test'], { cwd: dir, encoding: 'utf8' });
        if (suite.status === 0) passed[mode] += 1;
        rmSync(dir, { recursive: true, force: true });
        let ran = 0;
        for (const a of status.agents) {
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
    const modes = MODES.map((mode) => ({
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
    await workers?.stop().catch(() => undefined);
    await anthropic.close();
    await stack.close();
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

benchMain(import.meta.url, { name: 'demo-e2e', runs: 3 }, runDemoBench, demoMarkdown);
