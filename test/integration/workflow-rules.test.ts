/**
 * The issue workflow's waiting rules, each checked in seconds: the budget
 * pause, the approval timeout and the question wait. The workflows are the
 * real ones (issueWorkflow and its agent children) on the real dev server;
 * the activities are stubs registered on the test's own worker, because the
 * subject is what the workflow does with their answers, not the activities.
 *
 * Temporal's time-skipping test server cannot be obtained offline (a native
 * binary downloaded from temporal.download), so time runs for real. The waits
 * are made short through the workflow's own input: the repository config the
 * `loadRepoConfig` stub returns. `questions.wait_hours` takes fractions within
 * the config schema; `approval_timeout_minutes` and `budget_pause_minutes`
 * are whole minutes in the schema, which the loading activity enforces and
 * the workflow trusts, so the stub gives them fractions (a few seconds). A
 * wait that a test ends early (approve, raise, "/blogtube run") is a full
 * minute or hour, so the test never races the deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createLeaseActivities } from '../../activities/lease.js';
import { createRunSettingsActivities } from '../../activities/run-settings.js';
import type { GitHubActivities, LoadedConfig } from '../../activities/github.js';
import type { ModelActivities } from '../../activities/claude.js';
import { issueWorkflowId } from '../../common/ids.js';
import { RepoConfig } from '../../common/repo-config.js';
import type { RepoConfigInput } from '../../common/repo-config.js';
import { runSettings } from '../../common/run-settings.js';
import { PROFILES } from '../../common/profiles.js';
import type {
  Analysis,
  IssueRef,
  IssueStatus,
  IssueWorkflowResult,
  ModelCallInput,
  ModelCallResult,
  Phase,
} from '../../common/schemas.js';
import {
  issueCommentSignal,
  planDecisionUpdate,
  raiseBudgetUpdate,
  statusQuery,
} from '../../common/workflow-api.js';
import { workflowsPath } from '../../workers/create.js';

type Github = Pick<
  GitHubActivities,
  | 'loadIssue'
  | 'loadRepoConfig'
  | 'ensureBranch'
  | 'upsertComment'
  | 'stageFile'
  | 'commitAgentChanges'
  | 'openPullRequest'
  | 'verifyRun'
>;

/** One scenario's stub answers: the config, the analysis, the tokens each model call reports. */
interface Scenario {
  config: RepoConfigInput;
  analysis: Analysis;
  tokensPerCall: number;
}

const taskQueue = `workflow-rules-${randomUUID().slice(0, 8)}`;
const scenarios = new Map<number, Scenario>();
/** Activities called, per issue number, in order. */
const calls = new Map<number, string[]>();
const record = (ref: IssueRef, name: string): void =>
  void calls.set(ref.number, [...(calls.get(ref.number) ?? []), name]);
const scenarioOf = (ref: IssueRef): Scenario => {
  const s = scenarios.get(ref.number);
  if (!s) throw new Error(`no scenario for issue ${ref.number}`);
  return s;
};

const github: Github = {
  async loadIssue(ref) {
    record(ref, 'loadIssue');
    return {
      number: ref.number,
      title: `Issue ${ref.number}`,
      body: 'A change to the database and the API.',
      labels: [],
      author: 'maintainer',
      state: 'open',
      defaultBranch: 'main',
      htmlUrl: `https://github.test/${ref.owner}/${ref.repo}/issues/${ref.number}`,
    };
  },
  async loadRepoConfig(ref): Promise<LoadedConfig> {
    record(ref, 'loadRepoConfig');
    // Parsed like the real activity (defaults filled in), then the short waits set as given.
    const given = scenarioOf(ref).config;
    const config = RepoConfig.parse({
      ...given,
      approval_timeout_minutes: 1,
      limits: { ...given.limits, budget_pause_minutes: 1 },
    });
    config.approval_timeout_minutes = given.approval_timeout_minutes ?? 1;
    config.limits.budget_pause_minutes = given.limits?.budget_pause_minutes ?? 1;
    return { config, baseSha: 'a'.repeat(40), source: 'file' };
  },
  async ensureBranch(ref) {
    record(ref, 'ensureBranch');
    return 'a'.repeat(40);
  },
  async upsertComment(ref) {
    record(ref, 'upsertComment');
    return 1;
  },
  async stageFile(ref, path, content) {
    record(ref, 'stageFile');
    return { path, blobSha: 'b'.repeat(40), bytes: Buffer.byteLength(content) };
  },
  async commitAgentChanges(input) {
    record(input.ref, `commit:${input.agent}`);
    return { sha: 'c'.repeat(40), reused: false };
  },
  async openPullRequest(input) {
    record(input.ref, 'openPullRequest');
    return {
      number: 7,
      url: 'https://github.test/pr/7',
      draft: input.draft,
      headSha: 'c'.repeat(40),
    };
  },
  async verifyRun(input) {
    record(input.ref, 'verifyRun');
  },
};

/** The model: writes one file in the agent's area on its first turn, then finishes. */
const model: Pick<ModelActivities, 'callModel'> = {
  async callModel(input: ModelCallInput): Promise<ModelCallResult> {
    const number = input.context.issue.number;
    const tokens = scenarios.get(number)?.tokensPerCall ?? 100;
    const usage = { input: tokens, output: 0, cacheRead: 0, cacheWrite: 0 };
    const dir = (input.context.writablePaths[0] ?? 'x/**').replace(/\/\*\*$/, '');
    const first = input.messages.length === 1;
    return {
      content: first
        ? [
            {
              type: 'tool_use',
              id: `w-${input.context.agent}`,
              name: 'write_file',
              input: { path: `${dir}/${input.context.agent}.txt`, content: 'changed\n' },
            },
          ]
        : [{ type: 'text', text: `${input.context.agent} done` }],
      stopReason: first ? 'tool_use' : 'end_turn',
      usage,
      promptBytes: 0,
    };
  },
};

const analysisOf = (a: Partial<Analysis>): Analysis => ({
  type: 'feature',
  confidence: 0.9,
  complexity: 'simple',
  risk: 'low',
  agents: ['database', 'backend'],
  reasons: ['stub'],
  ...a,
});

let connection: Connection;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let nextIssue = 1;

beforeAll(async () => {
  const address = process.env.TEMPORAL_ADDRESS as string;
  const native = await NativeConnection.connect({ address });
  worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowsPath: workflowsPath(),
    activities: {
      ...github,
      ...model,
      // The analysis is a local activity: its answer is the scenario's.
      async analyze(issue: { title: string }) {
        const number = Number(/\d+/.exec(issue.title)?.[0]);
        return scenarios.get(number)?.analysis ?? analysisOf({});
      },
      // Real: the run settings point the model calls at this worker's queue; no area limits.
      ...createRunSettingsActivities(runSettings(PROFILES.production, taskQueue)),
      ...createLeaseActivities({ limits: {} }),
    },
    shutdownGraceTime: '1s',
  });
  running = worker.run();
  connection = await Connection.connect({ address });
  client = new Client({ connection });
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
});

/** Starts an issue run for `scenario`; returns its handle and ref. */
async function start(
  scenario: Scenario,
): Promise<{ handle: WorkflowHandle; ref: IssueRef; number: number }> {
  const number = nextIssue++;
  scenarios.set(number, scenario);
  const ref = { owner: 'rules', repo: `r-${taskQueue}`, number };
  const handle = await client.workflow.start('issueWorkflow', {
    taskQueue,
    workflowId: issueWorkflowId(ref),
    args: [{ ref, trigger: { deliveryId: `d-${number}`, event: 'issues.labeled', sender: 'm' } }],
  });
  return { handle, ref, number };
}

/** The phases the run went through, from its search-attribute upserts in history. */
async function phasesOf(handle: WorkflowHandle): Promise<Phase[]> {
  const history = await handle.fetchHistory();
  const phases: Phase[] = [];
  for (const e of history.events ?? []) {
    const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    const payload = fields?.BlogTubePhase;
    if (!payload?.data) continue;
    const phase = JSON.parse(Buffer.from(payload.data).toString()) as Phase | Phase[];
    const p = Array.isArray(phase) ? phase[0] : phase;
    if (p && phases[phases.length - 1] !== p) phases.push(p);
  }
  return phases;
}

async function untilPhase(handle: WorkflowHandle, phase: Phase): Promise<IssueStatus> {
  for (;;) {
    const status = await handle.query(statusQuery);
    if (status.phase === phase) return status;
    if (['done', 'failed', 'rejected', 'answered', 'cancelled'].includes(status.phase)) {
      throw new Error(`the run ended in ${status.phase} before reaching ${phase}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const result = (h: WorkflowHandle) => h.result() as Promise<IssueWorkflowResult>;

describe('approval timeout', () => {
  it('a plan nobody decides on in time is rejected, and no branch or agent is made', async () => {
    const { handle, number } = await start({
      config: { approval: 'plan', approval_timeout_minutes: 0.05 },
      analysis: analysisOf({}),
      tokensPerCall: 100,
    });
    const r = await result(handle);
    expect([r.phase, r.error]).toEqual(['rejected', 'the plan was not approved in time']);
    expect(await phasesOf(handle)).toEqual([
      'loading',
      'analyzing',
      'planning',
      'awaiting_approval',
      'rejected',
    ]);
    expect(calls.get(number)).not.toContain('ensureBranch');
    expect(calls.get(number)?.filter((c) => c.startsWith('commit:'))).toEqual([]);
  });

  it('a plan approved within the timeout runs its crew to a PR', async () => {
    const { handle, number } = await start({
      config: { approval: 'plan', approval_timeout_minutes: 60 },
      analysis: analysisOf({}),
      tokensPerCall: 100,
    });
    await untilPhase(handle, 'awaiting_approval');
    const decided = await handle.executeUpdate(planDecisionUpdate, {
      args: [{ approve: true, by: 'maintainer' }],
    });
    expect(decided).toEqual({ accepted: true, phase: 'running' });
    const r = await result(handle);
    expect([r.phase, r.error, r.prUrl]).toEqual(['done', undefined, 'https://github.test/pr/7']);
    expect(calls.get(number)?.filter((c) => c.startsWith('commit:'))).toEqual([
      'commit:database',
      'commit:backend',
    ]);
  });
});

describe('question wait', () => {
  const question = analysisOf({ type: 'question', confidence: 0.95, agents: ['database'] });

  it('a confident question is answered with a comment and no run when nobody asks in time', async () => {
    const { handle, number } = await start({
      config: { questions: { policy: 'comment', min_confidence: 0.75, wait_hours: 0.001 } },
      analysis: question,
      tokensPerCall: 100,
    });
    const r = await result(handle);
    expect([r.phase, r.error]).toEqual(['answered', undefined]);
    expect(await phasesOf(handle)).toEqual(['loading', 'analyzing', 'question', 'answered']);
    expect(calls.get(number)).not.toContain('ensureBranch');
  });

  it('a maintainer\'s "/blogtube run" within the wait runs it anyway', async () => {
    const { handle } = await start({
      config: { questions: { policy: 'comment', min_confidence: 0.75, wait_hours: 1 } },
      analysis: question,
      tokensPerCall: 100,
    });
    await untilPhase(handle, 'question');
    await handle.signal(issueCommentSignal, {
      id: 1,
      author: 'maintainer',
      body: '/blogtube run',
      trusted: true,
    });
    const r = await result(handle);
    expect([r.phase, r.error]).toEqual(['done', undefined]);
    const status = await handle.query(statusQuery);
    expect(status.analysis?.reasons).toContain('run anyway: a maintainer asked for it');
    expect(await phasesOf(handle)).toEqual([
      'loading',
      'analyzing',
      'question',
      'planning',
      'running',
      'opening_pr',
      'done',
    ]);
  });
});

describe('budget pause', () => {
  // database (2 calls × 800 tokens) spends the issue's 1,000 before backend (which depends on it) starts.
  const spending = (pauseMinutes: number): Scenario => ({
    config: { limits: { issue_token_budget: 1000, budget_pause_minutes: pauseMinutes } },
    analysis: analysisOf({}),
    tokensPerCall: 800,
  });

  it('a spent issue budget pauses the run; not raised in time, the waiting agent is skipped', async () => {
    const { handle, number } = await start(spending(0.05));
    const r = await result(handle);
    // database's commit still becomes the PR; backend never ran.
    expect([r.phase, r.prUrl]).toEqual(['done', 'https://github.test/pr/7']);
    const status = await handle.query(statusQuery);
    expect(status.agents.map((a) => [a.agent, a.state, a.error])).toEqual([
      ['database', 'done', undefined],
      ['backend', 'skipped', 'skipped: the issue token budget was spent and not raised in time'],
    ]);
    expect(await phasesOf(handle)).toEqual([
      'loading',
      'analyzing',
      'planning',
      'running',
      'paused',
      'running',
      'opening_pr',
      'done',
    ]);
    expect(calls.get(number)?.filter((c) => c.startsWith('commit:'))).toEqual(['commit:database']);
  });

  it('a raise during the pause resumes the run and the waiting agent runs', async () => {
    const { handle, number } = await start(spending(60));
    await untilPhase(handle, 'paused');
    const raised = await handle.executeUpdate(raiseBudgetUpdate, {
      args: [{ addTokens: 10_000, by: 'maintainer' }],
    });
    expect(raised.issueTokens).toBe(11_000);
    const r = await result(handle);
    expect([r.phase, r.error]).toEqual(['done', undefined]);
    const status = await handle.query(statusQuery);
    expect(status.agents.map((a) => [a.agent, a.state])).toEqual([
      ['database', 'done'],
      ['backend', 'done'],
    ]);
    expect(calls.get(number)?.filter((c) => c.startsWith('commit:'))).toEqual([
      'commit:database',
      'commit:backend',
    ]);
  });
});
