/**
 * The repository's own config drives the run: a bad file ends it with a
 * comment naming the field; `approval: plan` waits for the plan Update.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { issueWorkflowId } from '../../common/ids.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import { planDecisionUpdate, statusQuery } from '../../common/workflow-api.js';
import { deliverComment } from '../support/comments.js';
import type { Stack } from '../support/stack.js';
import { useStack, waitForPhase } from '../support/stack-hooks.js';

let stack: Stack;
useStack((s) => (stack = s));

const handleFor = (n: number) =>
  stack.client.workflow.getHandle(
    issueWorkflowId({ owner: stack.owner, repo: stack.repo, number: n }),
  );

async function commentsOn(n: number): Promise<string[]> {
  const state = (await stack.sim(
    'github',
    'GET',
    `/_sim/state?repo=${stack.owner}/${stack.repo}`,
  )) as {
    comments: { issue_number: number; body: string }[];
  };
  return state.comments.filter((c) => c.issue_number === n).map((c) => c.body);
}

const ISSUE = {
  title: 'Add a playlists API endpoint',
  body: 'Add an API endpoint that lists playlists.',
};

describe('repository config', () => {
  it('a bad config ends the run at once with a comment naming the field', async () => {
    await stack.commitFile('.github/blogtube.yml', 'version: 1\nlimits:\n  max_turns: 500\n');
    const opened = await stack.openIssue(ISSUE);
    const result = (await handleFor(opened.number).result()) as IssueWorkflowResult;
    expect(result.phase).toBe('failed');
    expect(result.error).toMatch(/limits\.max_turns/);
    const comments = await commentsOn(opened.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatch(/Invalid configuration.*limits\.max_turns/);
    // Never a retry loop: the config was read once.
    const history = await handleFor(opened.number).fetchHistory();
    const attempts = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'loadRepoConfig',
    );
    expect(attempts).toHaveLength(1);
  });

  it('unparseable YAML is reported the same way', async () => {
    await stack.commitFile('.github/blogtube.yml', 'limits: [unclosed\n');
    const opened = await stack.openIssue(ISSUE);
    const result = (await handleFor(opened.number).result()) as IssueWorkflowResult;
    expect(result.phase).toBe('failed');
    expect(result.error).toMatch(/blogtube\.yml/);
  });
});

describe('plan approval', () => {
  beforeAll(async () => {
    await stack.commitFile(
      '.github/blogtube.yml',
      'version: 1\napproval: plan\napproval_timeout_minutes: 60\n',
    );
  });

  it('waits for approval, posts the plan, then runs once approved', async () => {
    const opened = await stack.openIssue(ISSUE);
    await waitForPhase(stack, opened.number, 'awaiting_approval');
    let posted = '';
    for (let i = 0; i < 100 && !/approve the plan/.test(posted); i++) {
      posted = (await commentsOn(opened.number)).join('\n');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(posted).toMatch(/approve the plan/);
    expect(posted).toMatch(/\*\*Plan:\*\*/);
    const reply = await handleFor(opened.number).executeUpdate(planDecisionUpdate, {
      args: [{ approve: true, by: 'sandbox-maintainer' }],
    });
    expect(reply).toEqual({ accepted: true, phase: 'running' });
    const result = (await handleFor(opened.number).result()) as IssueWorkflowResult;
    expect(result.phase).toBe('done');
    expect(result.prUrl).toBeDefined();
  });

  it('a rejected plan ends the run with a comment and no branch work', async () => {
    const opened = await stack.openIssue(ISSUE);
    await waitForPhase(stack, opened.number, 'awaiting_approval');
    await handleFor(opened.number).executeUpdate(planDecisionUpdate, {
      args: [{ approve: false, by: 'sandbox-maintainer', reason: 'not now' }],
    });
    const result = (await handleFor(opened.number).result()) as IssueWorkflowResult;
    expect(result.phase).toBe('rejected');
    expect(result.error).toMatch(/not now/);
    expect(result.prUrl).toBeUndefined();
  });

  it('accepts one decision only: a second one is refused with a clear error', async () => {
    const opened = await stack.openIssue(ISSUE);
    await waitForPhase(stack, opened.number, 'awaiting_approval');
    const decide = () =>
      handleFor(opened.number).executeUpdate(planDecisionUpdate, {
        args: [{ approve: true, by: 'sandbox-maintainer' }],
      });
    const [first, second] = await Promise.allSettled([decide(), decide()]);
    const outcomes = [first, second].map((o) => o.status).sort();
    expect(outcomes).toEqual(['fulfilled', 'rejected']);
    const refused = [first, second].find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((refused.reason as Error).cause)).toMatch(/no plan is awaiting approval/);
    expect(((await handleFor(opened.number).result()) as IssueWorkflowResult).phase).toBe('done');
  });

  it('maintainers decide by comment: /blogtube approve runs the plan; an outsider’s command is ignored', async () => {
    const opened = await stack.openIssue(ISSUE);
    await waitForPhase(stack, opened.number, 'awaiting_approval');
    const outsider = await deliverComment(
      stack,
      opened.number,
      '/blogtube approve',
      'sandbox-outsider',
    );
    expect(outsider.status).toBe(202); // never forwarded: outsiders' comments are not signals
    expect((await handleFor(opened.number).query(statusQuery)).phase).toBe('awaiting_approval');
    const approved = await deliverComment(
      stack,
      opened.number,
      'Looks good.\n/blogtube approve',
      'sandbox-maintainer',
    );
    expect(approved.reply).toMatchObject({ result: 'approved' });
    expect(((await handleFor(opened.number).result()) as IssueWorkflowResult).phase).toBe('done');
    const late = await deliverComment(
      stack,
      opened.number,
      '/blogtube approve',
      'sandbox-maintainer',
    );
    expect(late.status).toBe(202);
  });

  it('/blogtube reject <reason> ends the run; /blogtube cancel cancels it', async () => {
    const rejected = await stack.openIssue(ISSUE);
    await waitForPhase(stack, rejected.number, 'awaiting_approval');
    const r = await deliverComment(
      stack,
      rejected.number,
      '/blogtube reject wrong approach',
      'sandbox-contributor',
    );
    expect(r.reply).toMatchObject({ result: 'rejected' });
    const result = (await handleFor(rejected.number).result()) as IssueWorkflowResult;
    expect(result.phase).toBe('rejected');
    expect(result.error).toMatch(/sandbox-contributor: wrong approach/);

    const cancelled = await stack.openIssue(ISSUE);
    await waitForPhase(stack, cancelled.number, 'awaiting_approval');
    const c = await deliverComment(
      stack,
      cancelled.number,
      '/blogtube cancel',
      'sandbox-maintainer',
    );
    expect(c.reply).toMatchObject({ result: 'cancelled' });
    await expect(handleFor(cancelled.number).result()).rejects.toThrow();
    expect((await handleFor(cancelled.number).query(statusQuery)).phase).toBe('cancelled');
  });
});
