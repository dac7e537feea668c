/**
 * Steering a run from the command line, as a real process against the real
 * stack: plan approval (CLI and comment; reject and timeout end the run with
 * a comment), messages to agents, cancellation, and token budgets that pause a
 * run until raised.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { agentWorkflowId, issueWorkflowId } from '../../common/ids.js';
import type { IssueStatus, IssueWorkflowResult } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import { DEMO_ISSUE } from '../../client/demo.js';
import { historyText, runBlogtube } from '../support/cli-process.js';
import { deliverComment } from '../support/comments.js';
import type { Stack } from '../support/stack.js';
import { useStack } from '../support/stack-hooks.js';

// Whole runs on a shared, busy machine: a generous ceiling (no timing is asserted).
jest.setTimeout(300_000);

let stack: Stack;
useStack((s) => (stack = s));

const ISSUE = {
  title: 'Add a playlists API endpoint',
  body: 'Add an API endpoint that lists playlists.',
};
const ref = (n: number) => `${stack.owner}/${stack.repo}#${n}`;
const handleFor = (n: number) =>
  stack.client.workflow.getHandle(
    issueWorkflowId({ owner: stack.owner, repo: stack.repo, number: n }),
  );
const cli = (...args: string[]) => runBlogtube(stack, args);

async function commentsOn(n: number): Promise<string> {
  const state = (await stack.sim(
    'github',
    'GET',
    `/_sim/state?repo=${stack.owner}/${stack.repo}`,
  )) as { comments: { issue_number: number; body: string }[] };
  return state.comments
    .filter((c) => c.issue_number === n)
    .map((c) => c.body)
    .join('\n');
}

async function waitFor(
  n: number,
  what: string,
  test: (s: IssueStatus) => boolean,
): Promise<IssueStatus> {
  for (let i = 0; i < 600; i++) {
    const s = await handleFor(n)
      .query(statusQuery)
      .catch(() => undefined);
    if (s && test(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`issue #${n} never reached: ${what}`);
}
const waitForPhase = (n: number, phase: string) =>
  waitFor(n, `phase ${phase}`, (s) => s.phase === phase);

async function waitForComment(n: number, pattern: RegExp): Promise<string> {
  let text = '';
  for (let i = 0; i < 300 && !pattern.test(text); i++) {
    text = await commentsOn(n);
    if (!pattern.test(text)) await new Promise((r) => setTimeout(r, 100));
  }
  return text;
}

const result = async (n: number) => (await handleFor(n).result()) as IssueWorkflowResult;

describe('plan approval from the command line', () => {
  let timedOut: number;

  beforeAll(async () => {
    // A run that nobody approves, started first: its one-minute timeout runs while the others do.
    await stack.commitFile(
      '.github/blogtube.yml',
      'version: 1\napproval: plan\napproval_timeout_minutes: 1\n',
    );
    timedOut = (await stack.openIssue(ISSUE)).number;
    await waitForPhase(timedOut, 'awaiting_approval');
    await stack.commitFile(
      '.github/blogtube.yml',
      'version: 1\napproval: plan\napproval_timeout_minutes: 60\n',
    );
  });

  it('approve runs the plan and prints the result; a second approve exits 5 saying why', async () => {
    const { number } = await stack.openIssue(ISSUE);
    await waitForPhase(number, 'awaiting_approval');
    const ok = await cli('approve', ref(number), '--by', 'ops-alice', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ accepted: true, phase: 'running' });
    const again = await cli('approve', ref(number));
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(
      // The run may even have finished between the two commands.
      /no plan is awaiting approval \(phase: (running|opening_pr|done)\)|is not running|no longer running/,
    );
    expect((await result(number)).phase).toBe('done');
    const late = await cli('approve', ref(number));
    expect(late.code).toBe(5);
    expect(late.stderr).toMatch(/is not running \(completed, phase done\)/);
    const none = await cli('approve', ref(9999));
    expect(none.code).toBe(3);
  });

  it('reject ends the run with a comment naming who and why', async () => {
    const { number } = await stack.openIssue(ISSUE);
    await waitForPhase(number, 'awaiting_approval');
    const r = await cli('reject', ref(number), 'wrong', 'approach', '--by', 'ops-bob');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rejected by ops-bob/);
    const res = await result(number);
    expect(res.phase).toBe('rejected');
    expect(res.error).toBe('plan rejected by ops-bob: wrong approach');
    expect(await waitForComment(number, /Plan rejected/)).toMatch(
      /Plan rejected[\s\S]*\*\*Problem:\*\* plan rejected by ops-bob: wrong approach/,
    );
    expect((await cli('reject', ref(number))).code).toBe(2); // the reason is required
  });

  it('a message sent while the plan waits is held for the agent and reaches its model call', async () => {
    const { number } = await stack.openIssue(ISSUE);
    const status = await waitForPhase(number, 'awaiting_approval');
    const agent = status.agents[0]?.agent ?? 'backend';
    const text = 'Please keep the endpoint read-only for now (operator note 7f3a).';
    const sent = await cli('message', ref(number), '--to', agent, text, '--json');
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toEqual({ delivered: 'held', to: agent });
    const notInPlan = await cli('message', ref(number), '--to', 'devops', 'hello');
    expect(notInPlan.code).toBe(5);
    expect(notInPlan.stderr).toMatch(
      /the devops agent cannot take messages \(it is not in the plan/,
    );
    const badAgent = await cli('message', ref(number), '--to', 'robot', 'hello');
    expect(badAgent.code).toBe(2);
    // Approved by a maintainer's comment this time.
    const approved = await deliverComment(stack, number, '/blogtube approve', 'sandbox-maintainer');
    expect(approved.reply).toMatchObject({ result: 'approved' });
    expect((await result(number)).phase).toBe('done');
    const s = await handleFor(number).query(statusQuery);
    expect(s.messages).toContainEqual({ from: 'maintainer', to: agent, text });
    const history = await historyText(
      stack,
      agentWorkflowId({ owner: stack.owner, repo: stack.repo, number }, agent),
    );
    // In the agent's input and in the conversation its model call was given.
    expect(history.split('operator note 7f3a').length).toBeGreaterThan(2);
  });

  it('an unapproved plan times out: the run ends rejected with a comment', async () => {
    const res = await result(timedOut);
    expect(res.phase).toBe('rejected');
    expect(res.error).toBe('the plan was not approved in time');
    expect(await waitForComment(timedOut, /not approved in time/)).toMatch(/Plan rejected/);
  });
});

describe('messages and cancel while agents run', () => {
  beforeAll(async () => {
    await stack.commitFile('.github/blogtube.yml', 'version: 1\n');
  });
  afterAll(async () => {
    await stack.sim('anthropic', 'DELETE', '/_sim/scenario');
  });

  it('a message to a running agent is signalled now; cancel stops the run; a second cancel exits 5', async () => {
    await stack.sim('anthropic', 'POST', '/_sim/scenario', { agents: { backend: { hang: true } } });
    const { number } = await stack.openIssue(ISSUE);
    await waitFor(number, 'backend running', (s) =>
      s.agents.some((a) => a.agent === 'backend' && a.state === 'running'),
    );
    // The child may not have started yet when the parent says running: retry until signalled.
    let sent = await cli('message', ref(number), '--to', 'backend', 'note c41d', '--json');
    for (let i = 0; i < 50 && JSON.parse(sent.stdout || '{}').delivered !== 'now'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      sent = await cli('message', ref(number), '--to', 'backend', 'note c41d', '--json');
    }
    expect(JSON.parse(sent.stdout)).toEqual({ delivered: 'now', to: 'backend' });
    const agentHistory = await historyText(
      stack,
      agentWorkflowId({ owner: stack.owner, repo: stack.repo, number }, 'backend'),
    );
    expect(agentHistory).toMatch(/note c41d/);

    const cancelled = await cli('cancel', ref(number));
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/cancellation requested/);
    await expect(handleFor(number).result()).rejects.toThrow();
    expect((await handleFor(number).query(statusQuery)).phase).toBe('cancelled');
    const again = await cli('cancel', ref(number));
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/is not running \(cancelled, phase cancelled\)/);
  });
});

describe('token budgets pause a run until raised', () => {
  it('an agent that spends its budget pauses (status, list, comment say so) and resumes when raised', async () => {
    await stack.commitFile(
      '.github/blogtube.yml',
      'version: 1\nlimits:\n  agent_token_budget: 1000\n',
    );
    await stack.sim('anthropic', 'POST', '/_sim/scenario', {
      agents: { backend: { extraTurns: 3 } },
    });
    try {
      const { number } = await stack.openIssue(ISSUE);
      const paused = await waitForPhase(number, 'paused');
      expect(paused.paused?.reason).toMatch(/backend agent spent its token budget \(\d+ of 1000\)/);
      const shown = await cli('status', ref(number));
      expect(shown.stdout).toMatch(/phase\s+paused/);
      expect(shown.stdout).toMatch(/backend\s+paused/);
      expect(await waitForComment(number, /\*\*Paused:\*\*/)).toMatch(
        /blogtube budget .*#\d+ --add-tokens N/,
      );
      let listed: { workflowId: string }[] = [];
      for (let i = 0; i < 100 && listed.length === 0; i++) {
        const l = await cli(
          'list',
          '--repo',
          `${stack.owner}/${stack.repo}`,
          '--phase',
          'paused',
          '--json',
        );
        listed = JSON.parse(l.stdout) as typeof listed;
        if (listed.length === 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(listed.map((i) => i.workflowId)).toEqual([handleFor(number).workflowId]);

      const bad = await cli('budget', ref(number), '--add-tokens', 'lots');
      expect(bad.code).toBe(2);
      const raised = await cli('budget', ref(number), '--add-tokens', '1000000', '--json');
      expect(raised.code).toBe(0);
      expect(JSON.parse(raised.stdout)).toMatchObject({
        agentTokens: 1_001_000,
        resumed: ['backend'],
      });
      const res = await result(number);
      expect(res.phase).toBe('done');
      expect(res.failedAgents).toEqual([]);
      const after = await cli('budget', ref(number), '--add-tokens', '5');
      expect(after.code).toBe(5);
    } finally {
      await stack.sim('anthropic', 'DELETE', '/_sim/scenario');
    }
  });

  it('a run whose issue budget is spent pauses before its next agent and goes on when raised', async () => {
    await stack.commitFile(
      '.github/blogtube.yml',
      'version: 1\nlimits:\n  issue_token_budget: 1000\n',
    );
    const { number } = await stack.openIssue(DEMO_ISSUE);
    const paused = await waitForPhase(number, 'paused');
    expect(paused.paused?.reason).toMatch(/the issue token budget is spent \(\d+ of 1000\)/);
    expect(paused.agents.find((a) => a.agent === 'database')?.state).toBe('done');
    expect(paused.agents.map((a) => a.state)).toContain('pending');
    const raised = await cli('budget', ref(number), '--add-tokens', '1000000');
    expect(raised.code).toBe(0);
    expect(raised.stdout).toMatch(/issue 1001000 tokens/);
    const res = await result(number);
    expect(res.phase).toBe('done');
    expect(res.failedAgents).toEqual([]);
    const s = await handleFor(number).query(statusQuery);
    expect(s.paused).toBeUndefined();
    expect(s.timeline?.map((t) => t.phase)).toEqual(
      expect.arrayContaining(['running', 'paused', 'opening_pr', 'done']),
    );
  });
});
