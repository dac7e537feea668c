/** The CLI's pure parts: cost estimates, report statistics, the watch view, retry rules. */
import { describe, expect, it } from '@jest/globals';
import { ZERO_USAGE } from '../../common/schemas.js';
import type { AgentStatus, IssueStatus, TokenUsage } from '../../common/schemas.js';
import { CliError, demoRefusal, EXIT } from '../../client/pure/cli-errors.js';
import { formatReport, formatStatus, withCost } from '../../client/pure/format.js';
import { listQuery, parseAgents, planRetry } from '../../client/pure/operator-rules.js';
import { estimateCost, formatUsd, priceFor } from '../../client/pure/pricing.js';
import {
  distribution,
  parseSince,
  percentile,
  phaseMs,
  succeeded,
  summarize,
} from '../../client/pure/stats.js';
import {
  changeLines,
  progressBar,
  renderWatchFrame,
  watchExitCode,
} from '../../client/pure/watch.js';
import { agentLine, renderDetails } from '../../workflows/pure/details.js';
import { renderProgress } from '../../workflows/pure/report.js';

const usage = (input: number, output = 0, cacheRead = 0, cacheWrite = 0): TokenUsage => ({
  input,
  output,
  cacheRead,
  cacheWrite,
});

function agent(over: Partial<AgentStatus> & Pick<AgentStatus, 'agent'>): AgentStatus {
  return { state: 'done', attempts: 1, turns: 4, tokens: ZERO_USAGE, files: [], ...over };
}

function run(over: Partial<IssueStatus> = {}): IssueStatus {
  return {
    workflowId: 'issue:o/r#1',
    repo: 'o/r',
    issue: 1,
    title: 'Add playlists',
    phase: 'done',
    agents: [],
    messages: [],
    startedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:10.000Z',
    tokens: ZERO_USAGE,
    model: 'claude-sonnet-4-5',
    ...over,
  };
}

describe('cost estimates', () => {
  it('prices input, output, cache writes (1.25×) and cache reads (0.1×) per million tokens', () => {
    expect(estimateCost('claude-sonnet-4-5', usage(1_000_000)).usd).toBeCloseTo(3);
    expect(estimateCost('claude-sonnet-4-5', usage(0, 1_000_000)).usd).toBeCloseTo(15);
    expect(estimateCost('claude-sonnet-4-5', usage(0, 0, 1_000_000)).usd).toBeCloseTo(0.3);
    expect(estimateCost('claude-sonnet-4-5', usage(0, 0, 0, 1_000_000)).usd).toBeCloseTo(3.75);
    expect(estimateCost('claude-opus-4-1', usage(1_000_000, 1_000_000)).usd).toBeCloseTo(90);
    expect(estimateCost('claude-opus-4-5', usage(1_000_000, 1_000_000)).usd).toBeCloseTo(30);
    expect(estimateCost('claude-haiku-4-5', usage(1_000_000, 1_000_000)).usd).toBeCloseTo(6);
  });

  it('prices an unknown model as Sonnet and says so', () => {
    const e = estimateCost('gpt-x', usage(1_000_000));
    expect(e.usd).toBeCloseTo(3);
    expect(e.note).toMatch(/unknown model gpt-x: priced as Sonnet/);
    expect(priceFor('claude-sonnet-5-5').known).toBe(true);
    expect(formatUsd(0.01234)).toBe('$0.0123');
    expect(formatUsd(12.345)).toBe('$12.35');
  });
});

describe('report statistics', () => {
  it('percentiles interpolate between ranks', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 1, 2, 3, 4, 5, 6, 7, 8, 9], 95)).toBeCloseTo(9.55);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(distribution([3, 1, 2])).toEqual({ n: 3, p50: 2, p95: 2.9, max: 3 });
  });

  it('parses --since as a duration or a date', () => {
    const now = Date.parse('2026-01-08T00:00:00Z');
    expect(new Date(parseSince('7d', now)).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseSince('12h', now)).toBe(now - 12 * 3_600_000);
    expect(parseSince('30m', now)).toBe(now - 30 * 60_000);
    expect(parseSince('2026-01-02T00:00:00Z', now)).toBe(Date.parse('2026-01-02T00:00:00Z'));
    expect(() => parseSince('a week', now)).toThrow(/expected e\.g\. 7d/);
  });

  it('summarizes runs: success rate, phase timings, spawn times, tokens and cost by agent', () => {
    const timeline = (analysisMs: number, prMs: number): IssueStatus['timeline'] => {
      const t0 = Date.parse('2026-01-01T00:00:00.000Z');
      const at = (ms: number) => new Date(t0 + ms).toISOString();
      return [
        { phase: 'loading', at: at(0) },
        { phase: 'analyzing', at: at(100) },
        { phase: 'planning', at: at(100 + analysisMs) },
        { phase: 'running', at: at(200 + analysisMs) },
        { phase: 'opening_pr', at: at(5000) },
        { phase: 'done', at: at(5000 + prMs) },
      ];
    };
    const ok = run({
      timeline: timeline(10, 300),
      agents: [
        agent({ agent: 'backend', tokens: usage(1000, 1000), spawnMs: 20 }),
        agent({ agent: 'database', tokens: usage(500), spawnMs: 40 }),
      ],
    });
    const partial = run({
      workflowId: 'issue:o/r#2',
      timeline: timeline(30, 500),
      error: '1 agent(s) did not finish',
      agents: [
        agent({ agent: 'backend', state: 'failed', tokens: usage(2000), spawnMs: 60 }),
        // Kept from an earlier run: not counted again.
        agent({ agent: 'database', tokens: usage(99_999), carriedFrom: 'run-1', spawnMs: 1 }),
      ],
    });
    const running = run({ workflowId: 'issue:o/r#3', phase: 'running', timeline: undefined });
    expect(succeeded(ok)).toBe(true);
    expect(succeeded(partial)).toBe(false);
    expect(phaseMs(ok, 'analyzing')).toBe(10);
    const r = summarize([ok, partial, running]);
    expect(r).toMatchObject({ runs: 3, finished: 2, succeeded: 1, successRate: 0.5 });
    expect(r.byPhase).toEqual({ done: 2, running: 1 });
    expect(r.timingsMs.analysis).toMatchObject({ n: 2, p50: 20 });
    expect(r.timingsMs.prCreation).toMatchObject({ n: 2, p50: 400 });
    expect(r.timingsMs.agentSpawn).toMatchObject({ n: 3, p50: 40 });
    expect(r.timingsMs.endToEnd).toMatchObject({ n: 2, p50: 5400 });
    const backend = r.byAgent.find((a) => a.agent === 'backend');
    expect(backend).toMatchObject({ runs: 2, failed: 1, totalTokens: 4000 });
    expect(backend?.costUsd).toBeCloseTo((3000 * 3 + 1000 * 15) / 1e6);
    expect(r.byAgent.find((a) => a.agent === 'database')?.totalTokens).toBe(500);
    expect(r.totalTokens).toBe(4500);
    const text = formatReport(r, '2026-01-01T00:00:00.000Z');
    expect(text).toMatch(/success rate 50\.0%/);
    expect(text).toMatch(/analysis\s+2\s+20 ms/);
    expect(text).toMatch(/backend\s+2\s+1\s+4000/);
  });
});

describe('status and watch views', () => {
  const live = run({
    phase: 'paused',
    tokens: usage(3000, 1000),
    budget: { issueTokens: 3000, agentTokens: 80_000 },
    paused: { reason: 'the issue token budget is spent', since: 'x', until: '2026-01-02' },
    messages: [{ from: 'backend', to: 'frontend', text: 'the API is at /api/playlists' }],
    agents: [
      agent({ agent: 'backend', tokens: usage(3000, 1000), files: ['api/a.js'], durationMs: 2500 }),
      agent({ agent: 'frontend', state: 'running', attempts: 1, turns: 0 }),
      agent({ agent: 'documentation', state: 'pending', attempts: 0, turns: 0 }),
    ],
  });

  it('status shows cost, budget, pause, messages and every agent', () => {
    const text = formatStatus(live);
    expect(text).toMatch(/tokens\s+4000 of 3000 budget/);
    expect(text).toMatch(/cost\s+~\$0\.0240 \(estimated, claude-sonnet-4-5 priced as Sonnet\)/);
    expect(text).toMatch(/messages\s+1/);
    expect(text).toMatch(/paused\s+the issue token budget is spent/);
    expect(text).toMatch(/backend\s+done\s+1\s+4\s+2\.5s\s+4000\s+\$0\.0240\s+1/);
    expect(text).toMatch(/backend → frontend: the API is at/);
    expect(withCost(live).cost.usd).toBeCloseTo(0.024);
  });

  it("status lists workspace agents' commands with their result line and output's last lines", () => {
    const output = Array.from({ length: 9 }, (_, i) => `line ${i + 1}`).join('\n');
    const text = formatStatus(live, {
      backend: [
        { command: 'npm test', result: `exit code 1, 812 ms\n\n${output}\n`, failed: false },
        { command: 'npm   test', result: 'exit code 0, 640 ms\n\nok\n', failed: false },
      ],
      frontend: [{ command: 'ls', result: 'no bwrap', failed: true }],
    });
    const tail = text.split('\n').slice(text.split('\n').indexOf('commands (3):'));
    expect(tail).toEqual([
      'commands (3):',
      '  backend $ npm test  → exit code 1, 812 ms',
      '    │ … (3 lines above)',
      ...[4, 5, 6, 7, 8, 9].map((n) => `    │ line ${n}`),
      '  backend $ npm test  → exit code 0, 640 ms',
      '    │ ok',
      '  frontend $ ls  → sandbox failed: no bwrap',
    ]);
    expect(formatStatus(live)).not.toContain('commands (');
  });

  it('watch draws agents as rows with a progress bar, and lists changes one line each', () => {
    expect(progressBar(5, 10, 10)).toBe('[#####.....]');
    expect(progressBar(20, 10, 4)).toBe('[####]');
    const frame = renderWatchFrame(
      live,
      {
        frontend: {
          agent: 'frontend',
          turn: 3,
          maxTurns: 12,
          tokens: usage(1500),
          tokenBudget: 80_000,
          files: 2,
          paused: false,
        },
      },
      0,
    );
    expect(frame).toMatch(/PAUSED: the issue token budget is spent/);
    expect(frame).toMatch(/frontend\s+running\s+\[###\.+\] \S turn 3\/12\s+1500\s+2/);
    expect(frame).toMatch(/tokens 5500 of 3000/);
    expect(frame).toMatch(/documentation\s+pending\s+\[\.+\] waiting/);

    const before = run({
      phase: 'running',
      agents: [agent({ agent: 'backend', state: 'running' })],
    });
    const lines = changeLines(before, live);
    expect(lines).toEqual([
      'phase paused',
      'backend done (1 file(s), 4000 tokens)',
      'frontend running',
      'documentation pending',
      'paused: the issue token budget is spent',
      'message backend → frontend: the API is at /api/playlists',
    ]);
    expect(changeLines(live, live)).toEqual([]);

    // The checks and their fix rounds, as they happen.
    const checking = run({
      ...live,
      phase: 'checking',
      checks: { configured: 1, results: [], running: ['test'], roundsUsed: 0, maxFixRounds: 2 },
    });
    const fixing = run({
      ...checking,
      checks: {
        configured: 1,
        results: [
          {
            name: 'test',
            command: 'npm test',
            exitCode: 1,
            durationMs: 3200,
            timedOut: false,
            output: 'not ok 1',
            outcome: 'failed',
          },
        ],
        roundsUsed: 1,
        maxFixRounds: 2,
        rounds: [{ round: 1, agents: ['backend'] }],
      },
    });
    expect(changeLines(live, checking)).toEqual([
      'phase checking',
      'checks test running; fix rounds 0/2',
    ]);
    expect(changeLines(checking, fixing)).toEqual([
      'checks test failed (exit 1) 3.2s; fix rounds 1/2',
    ]);
    expect(renderDetails(fixing)).toContain('checks: test failed (exit 1) 3.2s; fix rounds 1/2');
    expect(renderWatchFrame(fixing, {}, 0)).toMatch(
      /\nchecks test failed \(exit 1\) 3\.2s; fix rounds 1\/2$/,
    );
    expect(watchExitCode(run({ agents: [agent({ agent: 'backend' })] }))).toBe(0);
    expect(watchExitCode(run({ error: 'x' }))).toBe(1);
    expect(watchExitCode(run({ phase: 'failed' }))).toBe(1);
  });

  it('the Web UI details and the progress comment tell the story', () => {
    expect(agentLine(live.agents[0] as AgentStatus)).toBe(
      'backend agent: done, 1 file(s), 4.0k tokens, 2.5s',
    );
    const details = renderDetails(live);
    expect(details).toMatch(/phase: \*\*paused\*\*/);
    expect(details).toMatch(/tokens: 4\.0k of 3\.0k, messages: 1/);
    expect(renderProgress(live)).toMatch(
      /\*\*Paused:\*\* the issue token budget is spent.*blogtube budget o\/r#1 --add-tokens N/,
    );
  });
});

describe('operator rules', () => {
  const prev = run({
    phase: 'done',
    agents: [
      agent({ agent: 'database', commitSha: 'a' }),
      agent({ agent: 'backend', state: 'failed', attempts: 2, error: 'x' }),
      agent({ agent: 'frontend', state: 'skipped', attempts: 0 }),
    ],
  });

  it('a retry runs what did not finish and keeps the rest', () => {
    const { seed, rerun } = planRetry(prev, 'run-1', []);
    expect(rerun).toEqual(['backend', 'frontend']);
    expect(seed.keep.map((k) => k.agent)).toEqual(['database']);
    expect(seed).toMatchObject({ number: 1, previousRunId: 'run-1', planApproved: true });
    expect(seed.attempts).toEqual({ database: 1, backend: 2, frontend: 0 });
    const named = planRetry({ ...prev, retry: { number: 1, previousRunId: 'r0' } }, 'run-2', [
      'database',
    ]);
    expect(named.rerun).toEqual(['database', 'backend', 'frontend']);
    expect(named.seed.number).toBe(2);
  });

  it('refuses a retry with nothing to run, or of an agent outside the plan', () => {
    const allDone = run({ agents: [agent({ agent: 'database' })] });
    expect(() => planRetry(allDone, 'r', [])).toThrow(/name the ones to run again/);
    // --checks: every finished agent kept, the checks run again on the head.
    const checksOnly = planRetry(allDone, 'r', [], true);
    expect({ rerun: checksOnly.rerun, kept: checksOnly.seed.keep.map((k) => k.agent) }).toEqual({
      rerun: [],
      kept: ['database'],
    });
    try {
      planRetry(allDone, 'r', ['devops']);
    } catch (err) {
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(EXIT.usage);
    }
    expect.assertions(4);
  });

  it('parses agent lists and builds visibility queries', () => {
    expect(parseAgents(['backend,frontend', 'backend'])).toEqual(['backend', 'frontend']);
    expect(() => parseAgents(['robot'])).toThrow(/unknown agent "robot"/);
    expect(listQuery('issueWorkflow', { repo: 'o/r', phase: 'done', failed: true })).toBe(
      "WorkflowType = 'issueWorkflow' AND BlogTubeRepo = 'o/r' AND BlogTubePhase = 'done' AND (BlogTubeAgentsFailed > 0 OR BlogTubePhase = 'failed' OR ExecutionStatus IN ('Failed', 'TimedOut', 'Terminated'))",
    );
    expect(() => listQuery('issueWorkflow', { repo: "o/r' OR 1=1" })).toThrow(/owner\/repo/);
    expect(() => listQuery('issueWorkflow', { phase: 'bogus' })).toThrow(/--phase must be one of/);
  });
});

describe('demo outcome', () => {
  const bridge = 'http://127.0.0.1:3000';
  it('a started run is no refusal', () => {
    expect(demoRefusal(bridge, 201, { result: 'started', workflowId: 'issue:o/r#1' })).toBe(
      undefined,
    );
  });

  it('a refused signature names the status, the bridge, its words and the secret to fix', () => {
    expect(demoRefusal(bridge, 401, { error: 'missing or invalid X-Hub-Signature-256' })).toBe(
      'the bridge at http://127.0.0.1:3000 refused the webhook (HTTP 401 missing or invalid X-Hub-Signature-256), so no run was started.' +
        ' The demo signs with GITHUB_WEBHOOK_SECRET (the sandbox secret when unset): set it to the bridge’s secret.',
    );
  });

  it('an ignored or failed delivery says so, with the reason or the raw reply', () => {
    expect(
      demoRefusal(bridge, 202, { result: 'ignored', reason: 'x lacks write permission' }),
    ).toBe(
      'the bridge at http://127.0.0.1:3000 did not start a run (HTTP 202 ignored: x lacks write permission), so no run was started.',
    );
    expect(demoRefusal(bridge, 502, 'Bad Gateway')).toMatch(
      /refused the webhook \(HTTP 502 "Bad Gateway"\)/,
    );
  });
});
