/**
 * Questions do not get PRs: a confident question gets one explaining comment
 * and no agents, until a maintainer asks for a run anyway.
 */
import { describe, expect, it } from '@jest/globals';
import { isIssueRunBranch, issueWorkflowId } from '../../common/ids.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import { deliverComment } from '../support/comments.js';
import type { Stack } from '../support/stack.js';
import { useStack } from '../support/stack-hooks.js';

let stack: Stack;
useStack((s) => (stack = s));

const QUESTION = {
  title: 'How do I configure the video player?',
  body: 'I could not find it in the docs. Any help appreciated, thanks!',
};

const ref = (n: number) => ({ owner: stack.owner, repo: stack.repo, number: n });
const handleFor = (n: number) => stack.client.workflow.getHandle(issueWorkflowId(ref(n)));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function simState() {
  return (await stack.sim('github', 'GET', `/_sim/state?repo=${stack.owner}/${stack.repo}`)) as {
    branches: Record<string, string>;
    comments: { issue_number: number; body: string }[];
    pulls: { head: string }[];
  };
}

describe('questions', () => {
  it('a confident question gets one helpful comment, no agents and no branch; a maintainer’s /blogtube run starts the crew', async () => {
    const opened = await stack.openIssue(QUESTION);
    const status = await waitFor('the question phase', async () => {
      const s = await handleFor(opened.number).query(statusQuery);
      return s.phase === 'question' ? s : undefined;
    });
    expect(status.analysis?.type).toBe('question');
    expect(status.agents).toEqual([]);
    const explained = await waitFor('the comment', async () => {
      const c = (await simState()).comments.filter((x) => x.issue_number === opened.number);
      return c.length > 0 ? c : undefined;
    });
    expect(explained).toHaveLength(1);
    expect(explained[0]?.body).toMatch(/question/);
    expect(explained[0]?.body).toMatch(/\/blogtube run/);
    expect(
      Object.keys((await simState()).branches).filter((b) =>
        isIssueRunBranch(ref(opened.number), b),
      ),
    ).toEqual([]);

    // Someone without write access cannot start it.
    const outsider = await deliverComment(
      stack,
      opened.number,
      '/blogtube run',
      'sandbox-outsider',
    );
    expect(outsider.status).toBe(202); // not forwarded to the run at all
    await new Promise((r) => setTimeout(r, 500));
    expect((await handleFor(opened.number).query(statusQuery)).phase).toBe('question');

    // A maintainer can.
    await deliverComment(stack, opened.number, '/blogtube run please', 'sandbox-maintainer');
    const result = (await handleFor(opened.number).result()) as IssueWorkflowResult;
    expect(result.phase).toBe('done');
    expect(result.prUrl).toBeDefined();
    const comments = (await simState()).comments.filter((x) => x.issue_number === opened.number);
    expect(comments).toHaveLength(1); // the same progress comment, updated
  });

  it('policy `run` treats questions like any issue', async () => {
    await stack.commitFile('.github/blogtube.yml', 'version: 1\nquestions:\n  policy: run\n');
    const opened = await stack.openIssue(QUESTION);
    const result = (await handleFor(opened.number).result()) as IssueWorkflowResult;
    expect(result.phase).toBe('done');
    expect(result.prUrl).toBeDefined();
  });

  it('with no time to wait, a question ends answered, without a PR', async () => {
    await stack.commitFile('.github/blogtube.yml', 'version: 1\nquestions:\n  wait_hours: 0\n');
    const opened = await stack.openIssue(QUESTION);
    const result = (await handleFor(opened.number).result()) as IssueWorkflowResult;
    expect(result.phase).toBe('answered');
    expect(result.prUrl).toBeUndefined();
    expect(
      (await simState()).pulls.filter((p) => isIssueRunBranch(ref(opened.number), p.head)),
    ).toHaveLength(0);
  });
});
