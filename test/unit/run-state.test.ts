/**
 * The issue run's bookkeeping without Temporal: phases and their timeline,
 * agents' states from a plan (a retry keeping finished work), the budget pause
 * rules (an agent's own, the issue-wide one, a raise lifting them), and the
 * child input an agent starts from.
 */
import { describe, expect, it } from '@jest/globals';
import { validateRepoConfig, resolveAgents } from '../../common/repo-config.js';
import {
  legacyRunSettings,
  PRODUCTION_RUN_SETTINGS,
  runSettings,
} from '../../common/run-settings.js';
import { PROFILES } from '../../common/profiles.js';
import type { AgentStatus, Analysis, IssueStatus, Plan } from '../../common/schemas.js';
import { ZERO_USAGE } from '../../common/schemas.js';
import { agentChild } from '../../workflows/pure/agent-input.js';
import { RunState } from '../../workflows/pure/run-state.js';

const ref = { owner: 'o', repo: 'r', number: 7 };
const T0 = Date.parse('2026-12-01T10:00:00.000Z');

function fixture(retry?: ConstructorParameters<typeof RunState>[0]['retry']) {
  let ms = T0;
  const phases: string[] = [];
  const run = new RunState(
    { workflowId: 'issue:o/r#7', ref, retry },
    { clock: () => ms, onPhase: (s: IssueStatus) => phases.push(s.phase) },
  );
  return { run, phases, advance: (d: number) => (ms += d) };
}

const plan: Plan = {
  nodes: [
    { agent: 'database', dependsOn: [] },
    { agent: 'backend', dependsOn: ['database'] },
  ],
  maxParallel: 2,
} as Plan;

const limits = validateRepoConfig({
  limits: { issue_token_budget: 10_000, agent_token_budget: 4000, budget_pause_minutes: 30 },
}).limits;

describe('RunState', () => {
  it('starts loading, and records each phase with its time and tells the hook', () => {
    const { run, phases, advance } = fixture();
    expect(run.status).toMatchObject({ phase: 'loading', repo: 'o/r', issue: 7 });
    advance(5000);
    run.setPhase('analyzing');
    expect(phases).toEqual(['analyzing']);
    expect(run.status.timeline).toEqual([
      { phase: 'loading', at: '2026-12-01T10:00:00.000Z' },
      { phase: 'analyzing', at: '2026-12-01T10:00:05.000Z' },
    ]);
    expect(run.status.updatedAt).toBe('2026-12-01T10:00:05.000Z');
  });

  it('puts every planned agent in pending; a retry keeps the agents that finished', () => {
    const done: AgentStatus = {
      agent: 'database',
      state: 'done',
      attempts: 1,
      turns: 3,
      tokens: { ...ZERO_USAGE, input: 50 },
      files: ['db/x.sql'],
      commitSha: 'abc',
      paused: 'stale',
    };
    const { run } = fixture({
      number: 1,
      previousRunId: 'run-1',
      keep: [done],
      attempts: { backend: 2 },
      planApproved: true,
    } as never);
    run.addPlan(plan, {
      number: 1,
      previousRunId: 'run-1',
      keep: [done],
      attempts: { backend: 2 },
    } as never);
    expect(run.states).toEqual({ database: 'done', backend: 'pending' });
    expect(run.agent('database')).toMatchObject({ carriedFrom: 'run-1', paused: undefined });
    expect(run.agent('backend')).toMatchObject({ state: 'pending', attempts: 2 });
    // Work a retry keeps was paid for by the run before it.
    expect(run.runTokens()).toEqual(ZERO_USAGE);
    expect(run.hasCommits()).toBe(true);
    expect(run.commits()).toEqual([{ agent: 'database', sha: 'abc' }]);
  });

  it('tracks an agent from start to end, with its duration and the run tokens', () => {
    const { run, advance } = fixture();
    run.addPlan(plan, undefined);
    const started = run.agentStarted('database');
    expect(run.agent('database')).toMatchObject({ state: 'running', attempts: 1 });
    advance(2500);
    run.agentDone('database', {
      agent: 'database',
      turns: 4,
      tokens: { ...ZERO_USAGE, input: 120, output: 30 },
      files: ['db/a.sql'],
      commitSha: 'sha1',
      summary: 'added a table',
    });
    run.changed = false;
    run.agentEnded('database', started);
    expect(run.agent('database')).toMatchObject({ state: 'done', durationMs: 2500, turns: 4 });
    expect(run.status.tokens).toMatchObject({ input: 120, output: 30 });
    expect(run.changed).toBe(true);
  });

  it('remembers the first refused credential only', () => {
    const { run } = fixture();
    run.addPlan(plan, undefined);
    run.agentStarted('database');
    run.agentFailed('database', 'Bad credentials', true);
    run.agentStarted('backend');
    run.agentFailed('backend', 'other', true);
    expect(run.credentialRefused).toBe('Bad credentials');
    expect(run.failedAgents()).toEqual(['database', 'backend']);
  });

  it("pauses the run while an agent's own budget is spent, and resumes on a raise", () => {
    const { run, phases } = fixture();
    run.applyLimits(limits);
    run.addPlan(plan, undefined);
    run.setPhase('running');
    run.agentStarted('database');
    run.agentBudget({ agent: 'database', state: 'paused', used: 4500, budget: 4000 });
    expect(run.status.phase).toBe('paused');
    expect(run.status.paused).toEqual({
      reason: 'database agent spent its token budget (4500 of 4000)',
      since: '2026-12-01T10:00:00.000Z',
      until: '2026-12-01T10:30:00.000Z',
    });
    expect(run.agent('database').paused).toMatch(/4500 of 4000/);
    const raised = run.raiseBudget(5000);
    expect(raised).toEqual({ issueTokens: 15_000, agentTokens: 9000, resumed: ['database'] });
    run.agentBudget({ agent: 'database', state: 'resumed', used: 4500, budget: 9000 });
    run.afterRaise();
    expect(run.status.phase).toBe('running');
    expect(run.status.paused).toBeUndefined();
    expect(phases).toEqual(['running', 'paused', 'running']);
  });

  it('pauses the run while an agent waits out a model outage; a budget raise does not resume it', () => {
    const { run, phases } = fixture();
    run.addPlan(plan, undefined);
    run.setPhase('running');
    run.agentOutage({ agent: 'database', state: 'paused', reason: '503 Service Unavailable' });
    expect(run.status.phase).toBe('paused');
    expect(run.status.paused?.reason).toBe(
      'database agent waits for the model (unavailable: 503 Service Unavailable)',
    );
    expect(run.agent('database').paused).toMatch(/waits for the model/);
    expect(run.raiseBudget(1000).resumed).toEqual([]);
    run.agentOutage({ agent: 'database', state: 'resumed', reason: '' });
    expect(run.status.phase).toBe('running');
    expect(run.status.paused).toBeUndefined();
    expect(run.agent('database').paused).toBeUndefined();
    expect(phases).toEqual(['running', 'paused', 'running']);
  });

  it('pauses the whole run once when the issue budget is spent; a big enough raise lifts it', () => {
    const { run, advance } = fixture();
    run.applyLimits(limits);
    run.addPlan(plan, undefined);
    run.setPhase('running');
    run.status.tokens = { ...ZERO_USAGE, input: 12_000 };
    expect(run.issueBudgetSpent()).toBe(true);
    expect(run.enterIssuePause()).toBe(true);
    advance(60_000);
    expect(run.enterIssuePause()).toBe(false);
    expect(run.issuePause).toMatchObject({ deadlineMs: T0 + 30 * 60_000 });
    expect(run.status.paused?.reason).toBe('the issue token budget is spent (12000 of 10000)');
    run.raiseBudget(1000); // 11,000 < 12,000: still spent
    run.afterRaise();
    expect(run.status.phase).toBe('paused');
    run.raiseBudget(1000);
    run.afterRaise();
    expect(run.issuePause).toBeUndefined();
    expect(run.status.phase).toBe('running');
  });

  it('skips agents with a reason, and marks open agents on cancellation', () => {
    const { run } = fixture();
    run.addPlan(plan, undefined);
    run.agentStarted('database');
    run.skip(run.pending(plan), 'skipped: a dependency did not finish');
    expect(run.agent('backend')).toMatchObject({
      state: 'skipped',
      error: 'skipped: a dependency did not finish',
    });
    expect(run.openAgents()).toEqual(['database']);
    run.cancelOpenAgents();
    expect(run.agent('database')).toMatchObject({
      state: 'skipped',
      error: 'cancelled before it finished',
    });
    expect(run.status.error).toBe('the run was cancelled');
  });
});

describe('agent child input', () => {
  it("carries the run settings, the budgets in force and the dependencies' summaries", () => {
    const config = validateRepoConfig({ limits: { max_turns: 9 } });
    const analysis = { type: 'feature', agents: ['database', 'backend'] } as unknown as Analysis;
    const crew: AgentStatus[] = [
      {
        agent: 'database',
        state: 'done',
        attempts: 1,
        turns: 2,
        tokens: ZERO_USAGE,
        files: [],
        summary: 'schema added',
      },
    ];
    const settings = { ...PRODUCTION_RUN_SETTINGS, modelTaskQueue: 'models-eu' };
    const child = agentChild(
      {
        issueWorkflowId: 'issue:o/r#7',
        ref,
        branch: 'blogtube/issue-7',
        issue: { number: 7, title: 'Add tags', body: 'b' } as never,
        analysis,
        config,
        agents: resolveAgents(config),
        plan,
        baseSha: 'base',
        settings,
        retry: 2,
      },
      'backend',
      crew,
      { agentTokens: 900, pauseMinutes: 15 },
      [{ from: 'maintainer', to: 'backend', text: 'hi' }],
    );
    expect(child.workflowId).toBe('issue:o/r#7/agent:backend');
    expect(child.input).toMatchObject({
      modelTaskQueue: 'models-eu',
      modelCallTimeoutMs: 600_000,
      maxTurns: 9,
      tokenBudget: 900,
      budgetPauseMinutes: 15,
      retry: 2,
      context: {
        teammates: ['database'],
        dependencySummaries: [{ agent: 'database', summary: 'schema added' }],
        docsRef: 'base',
      },
    });
    expect(child.input.protectedPaths).toContain('.github/**');
    expect(child.staticDetails).toContain('after: database');
  });
});

describe('run settings', () => {
  it("come from the worker's profile and model queue", () => {
    expect(runSettings(PROFILES.test, 'q')).toEqual({
      modelTaskQueue: 'q',
      modelCallTimeoutMs: 30_000,
      analysisAttempts: 1,
      maxParallelAgents: 1,
    });
  });

  it('of a run recorded before them: what it recorded, else the production profile', () => {
    expect(legacyRunSettings({})).toEqual(PRODUCTION_RUN_SETTINGS);
    expect(
      legacyRunSettings({
        modelTaskQueue: 'old-q',
        defaults: { modelCallTimeoutMs: 45_000, analysisAttempts: 2 },
        maxParallelAgents: 3,
      }),
    ).toEqual({
      modelTaskQueue: 'old-q',
      modelCallTimeoutMs: 45_000,
      analysisAttempts: 2,
      maxParallelAgents: 3,
    });
  });
});
