/**
 * Checks bench (issue 15): whole runs of the sandbox project with its own
 * `checks:` (`npm test`), on real parts: a Temporal dev server, the GitHub and
 * Anthropic simulators (the careful engineers), the orchestrator, model and
 * workspace workers in this process, checks and agents under real bubblewrap.
 * Half the runs are plain; in the other half the backend commits a broken
 * change (`tests: break-then-fix`, giving up at once) and must fix it in a
 * fix round. Measured per run, from the issue workflow's history:
 * - checks time: the `checking` phase, from its start to the PR (fix rounds included);
 * - one check's run: each check result's duration in its sandbox;
 * - PR creation from the last check: the last status write's completion to
 *   the PR's creation completing;
 * - the fix-round success rate on break-then-fix (goal 100%).
 *
 *   node dist/bench/checks.js [--runs N] [--out DIR]
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createOctokit } from '../common/github-client.js';
import type { IssueStatus, IssueWorkflowResult } from '../common/schemas.js';
import { statusQuery } from '../common/workflow-api.js';
import { adminCall } from '../sandbox/admin-client.js';
import { startAnthropicSim } from '../sandbox/anthropic/server.js';
import { SANDBOX_TOKENS } from '../sandbox/github/server.js';
import { fmtMs, summarize, type Summary } from './stats.js';
import { benchMain } from './support/main.js';
import {
  eventMillis,
  log,
  type InProcessWorkers,
  queueSuffix,
  startBenchStack,
  startInProcessWorkers,
  startIssueRun,
} from './support/stack.js';

/** One table per issue: the careful engineers name their change after the title. */
const THINGS = [
  'bookmarks',
  'favorites',
  'ratings',
  'badges',
  'reviews',
  'playlists',
  'channels',
  'reactions',
  'highlights',
  'captions',
  'chapters',
  'mentions',
];

export interface ChecksBench {
  startedAt: string;
  runs: number;
  /** The `checking` phase per run (fix rounds included), by scenario. */
  checksTime: { pass: Summary; breakThenFix: Summary };
  /** Each check's run in its sandbox. */
  checkRun: Summary;
  /** Last status write done → PR created. */
  prFromLastCheck: Summary;
  /** Break-then-fix runs whose checks passed after exactly one fix round, sent to the backend only. */
  fixRoundSuccess: { ok: number; of: number };
  /** Every run ended done. */
  allDone: boolean;
}

/** Last status write completed → the PR's creation completed, from the run's history. */
async function prFromLastCheck(client: Client, workflowId: string): Promise<number> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const typeOf = new Map<string, string>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) typeOf.set(String(e.eventId), name);
  }
  const completed = (name: string) =>
    events.filter(
      (e) =>
        e.activityTaskCompletedEventAttributes &&
        typeOf.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId)) === name,
    );
  const lastStatus = completed('setCommitStatus').at(-1);
  const pr = completed('openPullRequest').at(-1);
  return eventMillis(pr?.eventTime) - eventMillis(lastStatus?.eventTime);
}

function phaseMs(s: IssueStatus, phase: string): number {
  const tl = s.timeline ?? [];
  const i = tl.findIndex((t) => t.phase === phase);
  const next = tl[i + 1];
  return i < 0 || !next ? NaN : Date.parse(next.at) - Date.parse(tl[i]!.at);
}

export async function runChecksBench(runs: number): Promise<ChecksBench> {
  const stack = await startBenchStack('checks');
  const { github, base } = stack;
  const anthropic = await startAnthropicSim({ port: 0, ttftMs: 0, tokensPerSec: 0 });
  mkdirSync(join(base, 'ws'));
  chmodSync(join(base, 'ws'), 0o755);
  const owner = 'bench';
  const repo = 'blogtube';
  const env: NodeJS.ProcessEnv = {
    ...stack.env(anthropic.url, queueSuffix()),
    BLOGTUBE_PROFILE: 'production',
    WORKSPACE_AGENTS: 'on',
    WORKSPACE_ROOT: join(base, 'ws'),
  };
  let workers: InProcessWorkers | undefined;
  try {
    await adminCall(github.url, 'POST', '/_sim/repos', { owner, repo });
    const maintainer = createOctokit(github.url, SANDBOX_TOKENS.maintainer);
    workers = await startInProcessWorkers(stack.server.address, [{ env, workspace: true }]);
    const { client } = workers;
    const settings = workers.settings[0]!;

    const times = { pass: [] as number[], breakThenFix: [] as number[] };
    const checkRuns: number[] = [];
    const prTimes: number[] = [];
    const fix = { ok: 0, of: 0 };
    let allDone = true;
    for (let i = 0; i < runs; i++) {
      const broken = i % 2 === 1;
      if (broken) {
        await adminCall(anthropic.url, 'POST', '/_sim/scenario', {
          agents: { backend: { tests: 'break-then-fix', fixAttempts: 0 } },
        });
      } else await adminCall(anthropic.url, 'DELETE', '/_sim/scenario');
      const thing = THINGS[i % THINGS.length] ?? 'things';
      const { data: issue } = await maintainer.rest.issues.create({
        owner,
        repo,
        title: `Add ${thing}: users can keep ${thing} of videos (${i + 1})`,
        body: `A ${thing} table in the database and an API endpoint to list ${thing}.`,
      });
      const ref = { owner, repo, number: issue.number };
      const handle = await startIssueRun(client, settings.ORCHESTRATOR_TASK_QUEUE, ref);
      const result = (await handle.result()) as IssueWorkflowResult;
      const status = await handle.query(statusQuery);
      if (result.phase !== 'done') allDone = false;
      const checks = status.checks;
      (broken ? times.breakThenFix : times.pass).push(phaseMs(status, 'checking'));
      for (const r of checks?.results ?? []) checkRuns.push(r.durationMs);
      prTimes.push(await prFromLastCheck(client, handle.workflowId));
      if (broken) {
        fix.of += 1;
        const sent = (checks?.rounds ?? []).map((r) => r.agents.join(','));
        if (checks?.stop === 'all_passed' && sent.join(';') === 'backend') fix.ok += 1;
      }
      log(
        `[checks] run ${i + 1}/${runs} (${broken ? 'break-then-fix' : 'pass'}): ${result.phase}, checks ${fmtMs(phaseMs(status, 'checking'))}, rounds ${checks?.roundsUsed ?? '-'}, stop ${checks?.stop ?? '-'}`,
      );
    }
    await adminCall(anthropic.url, 'DELETE', '/_sim/scenario');
    return {
      startedAt: new Date().toISOString(),
      runs,
      checksTime: { pass: summarize(times.pass), breakThenFix: summarize(times.breakThenFix) },
      checkRun: summarize(checkRuns),
      prFromLastCheck: summarize(prTimes),
      fixRoundSuccess: fix,
      allDone,
    };
  } finally {
    await workers?.stop().catch(() => undefined);
    await anthropic.close();
    await stack.close();
  }
}

export function checksMarkdown(r: ChecksBench): string {
  const row = (name: string, s: Summary) =>
    `| ${name} | ${s.n} | ${fmtMs(s.p50)} | ${fmtMs(s.p99)} | ${fmtMs(s.max)} |`;
  const rate = r.fixRoundSuccess.of > 0 ? (100 * r.fixRoundSuccess.ok) / r.fixRoundSuccess.of : NaN;
  return [
    `## Checks after the crew (${r.startedAt})`,
    '',
    `${r.runs} runs of the sandbox project (check \`test\`: \`npm test\`), every other one with the backend's first commit broken; every run ${r.allDone ? 'ended done' : 'did NOT all end done'}.`,
    '',
    '| Measure | n | p50 | p99 | max |',
    '| --- | --: | --: | --: | --: |',
    row('checks time per run, all pass', r.checksTime.pass),
    row('checks time per run, break-then-fix (one fix round)', r.checksTime.breakThenFix),
    row("one check's run in its sandbox", r.checkRun),
    row('PR creation from the last check', r.prFromLastCheck),
    '',
    `Fix-round success on break-then-fix: ${r.fixRoundSuccess.ok} of ${r.fixRoundSuccess.of} (${Number.isFinite(rate) ? `${rate.toFixed(0)}%` : '–'}; goal 100%).`,
    '',
  ].join('\n');
}

benchMain(import.meta.url, { name: 'checks', runs: 6 }, runChecksBench, checksMarkdown);
