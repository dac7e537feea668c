/**
 * Following and re-running runs from the command line, as a real process
 * against the real stack: `watch` until the end (exit status), `status` with
 * cost and messages, `list` filters, `retry` of failed or named agents keeping
 * the others' commits, and `report`.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { issueWorkflowId } from '../../common/ids.js';
import type { IssueStatus, IssueWorkflowResult } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import { execFile } from 'node:child_process';
import { BLOGTUBE_BIN, cliEnv, runBlogtube } from '../support/cli-process.js';
import type { Stack } from '../support/stack.js';
import { useStack } from '../support/stack-hooks.js';

// Whole runs on a shared, busy machine: a generous ceiling (no timing is asserted).
jest.setTimeout(300_000);

let stack: Stack;
useStack((s) => (stack = s));

const cli = (...args: string[]) => runBlogtube(stack, args);
const repo = () => `${stack.owner}/${stack.repo}`;
const ref = (n: number) => `${repo()}#${n}`;
const handleFor = (n: number) =>
  stack.client.workflow.getHandle(
    issueWorkflowId({ owner: stack.owner, repo: stack.repo, number: n }),
  );

async function branchLog(n: number): Promise<string[]> {
  const log = (await stack.sim(
    'github',
    'GET',
    `/_sim/repos/${repo()}/log?ref=${encodeURIComponent((await handleFor(n).query(statusQuery)).branch!)}`,
  )) as { message: string }[];
  return log.map((c) => c.message);
}

/** Visibility is eventually consistent: ask until `ok` holds. */
async function listUntil<T>(args: string[], ok: (items: T[]) => boolean): Promise<T[]> {
  let items: T[] = [];
  for (let i = 0; i < 100; i++) {
    const out = await cli('list', ...args, '--json');
    items = JSON.parse(out.stdout) as T[];
    if (ok(items)) return items;
    await new Promise((r) => setTimeout(r, 200));
  }
  return items;
}

describe('watch, status, list', () => {
  let number: number;

  it('watch follows a run to its end, one line per change, and exits 0 on success', async () => {
    const demo = await cli('demo', '--repo', repo(), '--json');
    expect(demo.code).toBe(0);
    number = (JSON.parse(demo.stdout) as { issueNumber: number }).issueNumber;
    const watched = await cli('watch', ref(number), '--interval', '200');
    expect(watched.code).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    // Every line: time, run, change.
    for (const l of lines)
      expect(l).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${repo()}#${number} `));
    const text = lines.join('\n');
    for (const agent of ['database', 'backend', 'frontend', 'documentation']) {
      expect(text).toMatch(new RegExp(`${agent} done \\(1 file\\(s\\), \\d+ tokens\\)`));
    }
    expect(text).toMatch(/phase done$/m);
    expect(text).toMatch(/PR http:\/\/127\.0\.0\.1:\d+\/.*\/pull\/\d+/);
    expect(text).toMatch(/message backend → frontend: /);
    // Each change once: no line repeats.
    const changes = lines.map((l) => l.slice(9));
    expect(new Set(changes).size).toBe(changes.length);

    const again = await cli('watch', ref(number), '--json');
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout.trim().split('\n').pop() ?? '{}') as IssueStatus).phase).toBe(
      'done',
    );
    const missing = await cli('watch', ref(9999));
    expect(missing.code).toBe(3);
  });

  it('on a terminal, watch redraws agents as rows with a progress bar until the run ends', async () => {
    const demo = await cli('demo', '--repo', repo(), '--json');
    const n = (JSON.parse(demo.stdout) as { issueNumber: number }).issueNumber;
    // `script` gives the CLI a real pseudo-terminal, as a user's shell does.
    const command = `'${process.execPath}' '${BLOGTUBE_BIN}' watch '${ref(n)}' --interval 200`;
    const tty = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        'script',
        ['-qec', command, '/dev/null'],
        { env: cliEnv(stack), timeout: 280_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout }),
      );
    });
    expect(tty.code).toBe(0);
    // Frames after the first move the cursor up over the last one and clear below it.
    const redraws = tty.out.split('\u001b[J').slice(0, -1);
    expect(redraws.length).toBeGreaterThan(0);
    for (const before of redraws) expect(before).toMatch(/\[\d+F$/);
    expect(tty.out).toMatch(/AGENT\s+STATE\s+PROGRESS\s+TOKENS\s+FILES/);
    expect(tty.out).toMatch(/database\s+done\s+\[#{20}\] \d+ turns/);
    // The last frame: the run is done.
    const last = tty.out.split('\x1b[J').pop() ?? '';
    expect(last).toMatch(/phase done/);
    expect(last).toMatch(/documentation\s+done/);
  });

  it('status shows phase, plan, agents with attempts, duration, tokens and cost, messages and the PR', async () => {
    const text = await cli('status', ref(number));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^plan\s+database; backend ← database; frontend ← .*backend; documentation ← /m,
    );
    expect(text.stdout).toMatch(
      /^cost\s+~\$\d+\.\d{4} \(estimated, claude-sonnet-5-5 priced as Sonnet\)/m,
    );
    expect(text.stdout).toMatch(/^messages\s+[1-9]\d*$/m);
    expect(text.stdout).toMatch(/^duration\s+\d+\.\ds$/m);
    expect(text.stdout).toMatch(/backend\s+done\s+1\s+\d+\s+\d+\.\ds\s+\d+\s+\$\d+\.\d+\s+1/);
    const json = JSON.parse((await cli('status', ref(number), '--json')).stdout) as IssueStatus & {
      cost: { usd: number; byAgent: Record<string, number> };
    };
    expect(json.cost.usd).toBeGreaterThan(0);
    expect(Object.keys(json.cost.byAgent).sort()).toEqual([
      'backend',
      'database',
      'documentation',
      'frontend',
    ]);
    expect(json.agents.filter((a) => a.spawnMs === undefined)).toEqual([]);
  });

  it('list filters by repository, phase and failure', async () => {
    const id = handleFor(number).workflowId;
    const done = await listUntil<{ workflowId: string; phase: string }>(
      ['--repo', repo(), '--phase', 'done'],
      (items) => items.some((i) => i.workflowId === id),
    );
    expect(done.map((i) => i.workflowId)).toContain(id);
    expect(done.filter((i) => i.phase !== 'done')).toEqual([]);
    const running = await cli('list', '--repo', repo(), '--phase', 'running', '--json');
    expect(JSON.parse(running.stdout)).toEqual([]);
    const bad = await cli('list', '--phase', 'sleeping');
    expect(bad.code).toBe(2);
    const text = await cli('list', '--repo', repo());
    expect(text.stdout).toMatch(/^WORKFLOW\s+STATUS\s+PHASE\s+FAILED\s+STARTED\s+PR/);
  });
});

describe('retry', () => {
  let number: number;
  let firstPr: string | undefined;

  it('a run with a failed agent: watch exits 1, list --failed finds it', async () => {
    await stack.sim('anthropic', 'POST', '/_sim/scenario', {
      agents: { frontend: { failWith: { status: 400 } } },
    });
    const demo = await cli('demo', '--repo', repo(), '--json');
    number = (JSON.parse(demo.stdout) as { issueNumber: number }).issueNumber;
    const watched = await cli('watch', ref(number), '--interval', '200');
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/frontend failed \(/);
    expect(watched.stdout).toMatch(/documentation skipped/);
    expect(watched.stderr).toMatch(/did not succeed/);
    await stack.sim('anthropic', 'DELETE', '/_sim/scenario');
    const id = handleFor(number).workflowId;
    const failed = await listUntil<{ workflowId: string; agentsFailed: number }>(
      ['--repo', repo(), '--failed'],
      (items) => items.some((i) => i.workflowId === id),
    );
    expect(failed.find((i) => i.workflowId === id)?.agentsFailed).toBe(1);
    firstPr = (await handleFor(number).query(statusQuery)).prUrl;
    expect(firstPr).toBeDefined();
  });

  it('retry runs only the failed and skipped agents, keeps the others’ commits, and ends done', async () => {
    const before = await branchLog(number);
    const r = await cli('retry', ref(number), '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      retry: number;
      rerun: string[];
      kept: string[];
      runId: string;
    };
    expect(out).toMatchObject({
      retry: 1,
      rerun: ['frontend', 'documentation'],
      kept: ['database', 'backend'],
    });
    const res = (await stack.client.workflow
      .getHandle(handleFor(number).workflowId, out.runId)
      .result()) as IssueWorkflowResult;
    expect(res.phase).toBe('done');
    expect(res.failedAgents).toEqual([]);
    expect(res.prUrl).toBe(firstPr); // the same PR, updated
    const s = await handleFor(number).query(statusQuery);
    expect(s.retry?.number).toBe(1);
    const by = Object.fromEntries(s.agents.map((a) => [a.agent, a]));
    expect(by.database?.carriedFrom).toBeDefined();
    expect(by.backend?.carriedFrom).toBeDefined();
    expect(by.frontend).toMatchObject({ state: 'done', attempts: 2 });
    expect(by.documentation).toMatchObject({ state: 'done', attempts: 1 });
    expect(s.error).toBeUndefined();
    // The kept commits are still there, and one new commit per re-run agent.
    const after = await branchLog(number);
    expect(after.slice(-before.length)).toEqual(before);
    const added = after.slice(0, after.length - before.length).join('\n');
    expect(added).toMatch(/BlogTube-Agent: frontend/);
    expect(added).toMatch(/BlogTube-Agent: documentation/);
    expect(added).not.toMatch(/BlogTube-Agent: (database|backend)/);
  });

  it('retry --agent runs a named agent again (a new commit); refusals are clear', async () => {
    const before = await branchLog(number);
    const r = await cli('retry', ref(number), '--agent', 'backend', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { retry: number; rerun: string[]; runId: string };
    expect(out).toMatchObject({ retry: 2, rerun: ['backend'] });
    // Whether retry 2 is still running or already done, a plain retry is refused.
    const busy = await cli('retry', ref(number));
    expect(busy.code).toBe(5);
    expect(busy.stderr).toMatch(/still running|name the ones to run again with --agent/);
    const res = (await stack.client.workflow
      .getHandle(handleFor(number).workflowId, out.runId)
      .result()) as IssueWorkflowResult;
    expect(res.phase).toBe('done');
    const after = await branchLog(number);
    const added = after.slice(0, after.length - before.length).join('\n');
    expect(added).toMatch(/BlogTube-Agent: backend/);
    expect(added).toMatch(/retry 2/);

    const nothing = await cli('retry', ref(number));
    expect(nothing.code).toBe(5);
    expect(nothing.stderr).toMatch(/every agent of the previous run finished/);
    const notInPlan = await cli('retry', ref(number), '--agent', 'devops');
    expect(notInPlan.code).toBe(2);
    expect(notInPlan.stderr).toMatch(/the devops agent was not in the plan/);
    expect((await cli('retry', ref(9999))).code).toBe(3);
    expect((await cli('retry', ref(number), '--agent', 'robot')).code).toBe(2);
  });
});

describe('report', () => {
  it('sums the runs: success rate, timings, tokens and cost by agent', async () => {
    const r = await cli('report', '--since', '1h', '--repo', repo(), '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      runs: number;
      finished: number;
      succeeded: number;
      successRate: number;
      timingsMs: Record<string, { n: number; p50: number; p95: number }>;
      byAgent: { agent: string; runs: number; totalTokens: number; costUsd: number }[];
      unreadable: string[];
    };
    expect(report.unreadable).toEqual([]);
    expect(report.runs).toBeGreaterThanOrEqual(4);
    expect(report.finished).toBe(report.runs);
    expect(report.succeeded).toBe(report.runs - 1); // the run with the failed agent
    for (const k of ['analysis', 'agentSpawn', 'prCreation', 'endToEnd']) {
      expect(report.timingsMs[k]?.n).toBeGreaterThan(0);
      expect(report.timingsMs[k]?.p95).toBeGreaterThanOrEqual(report.timingsMs[k]?.p50 ?? 0);
    }
    const backend = report.byAgent.find((a) => a.agent === 'backend');
    // Demo run, failed run, retry 2: three backend runs (retry 1 kept it).
    expect(backend?.runs).toBeGreaterThanOrEqual(3);
    expect(backend?.costUsd).toBeGreaterThan(0);
    const text = await cli('report', '--since', '1h', '--repo', repo());
    expect(text.stdout).toMatch(/success rate \d+\.\d%/);
    expect(text.stdout).toMatch(/^end to end\s+\d+/m);
    expect((await cli('report', '--since', 'yesterday-ish')).code).toBe(2);
  });
});
