/**
 * Issue 16, property 11: any ending leaves a true record.
 * - A maintainer closes the issue while the crew works: the bridge's
 *   `issues.closed` delivery stops the run politely; the finished agent's
 *   work is a draft PR, and the PR and the progress comment say the run
 *   stopped because the issue was closed, and by whom.
 * - A non-retryable failure (GitHub refuses to open the PR, 422): the progress
 *   comment says the run failed and why; the work is saved as a draft PR.
 * - Someone deletes the run's branch while the crew works: the run fails, its
 *   branch is made again at its last commit, the finished work is a draft PR
 *   and the progress comment says what happened.
 */
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { WorkflowFailedError } from '@temporalio/client';
import { createOctokit } from '../../common/github-client.js';
import { issueWorkflowId } from '../../common/ids.js';
import type { IssueStatus } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import { SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import { databaseOnlyConfig } from '../support/configs.js';
import { repoChecks } from '../support/repo-checks.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

jest.setTimeout(300_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ ttftMs: 150 });
});
afterAll(async () => {
  await stack?.stop();
});

const ref = (number: number) => ({ owner: stack.owner, repo: stack.repo, number });
const handleFor = (n: number) => stack.client.workflow.getHandle(issueWorkflowId(ref(n)));
const maintainer = () => createOctokit(stack.github.url, SANDBOX_TOKENS.maintainer);
const ISSUE = {
  title: 'Add playlists',
  body: 'Add a playlists table in the database, API endpoints for it, and a UI component.',
};

async function whenDatabaseDone(n: number): Promise<IssueStatus> {
  for (let i = 0; i < 600; i++) {
    const status = await handleFor(n).query(statusQuery);
    if (status.agents.find((a) => a.agent === 'database')?.state === 'done') return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`issue #${n}'s database agent never finished`);
}

/** The run's end as GitHub shows it: its PRs (on its branch) and its progress comment. */
async function record(n: number) {
  const checks = repoChecks(stack);
  const status = await handleFor(n).query(statusQuery);
  const [comment] = await checks.progressComments(n);
  const pulls = (await checks.simState()).pulls.filter((p) => p.head === status.branch);
  return { status, comment: comment?.body ?? '', pulls };
}

it('an issues.closed delivery stops the run politely: a draft PR and a comment saying why', async () => {
  await stack.sim('anthropic', 'POST', '/_sim/scenario', {
    agents: { backend: { extraTurns: 6 }, frontend: { extraTurns: 6 } },
  });
  try {
    const opened = await stack.openIssue(ISSUE);
    await whenDatabaseDone(opened.number);
    const { issue, repository } = opened.payload as { issue: object; repository: object };
    const { data: closer } = await maintainer().rest.users.getAuthenticated();
    const stopped = await stack.deliver('issues', {
      action: 'closed',
      issue: { ...issue, state: 'closed' },
      repository,
      sender: closer,
    });
    expect(stopped).toMatchObject({ status: 200, reply: { result: 'stopped' } });
    await expect(handleFor(opened.number).result()).rejects.toBeInstanceOf(WorkflowFailedError);

    const { status, comment, pulls } = await record(opened.number);
    expect(status.phase).toBe('cancelled');
    expect(status.error).toBe(`stopped because the issue was closed by ${closer.login}`);
    expect(comment).toMatch(/Cancelled/);
    // Published text is inert (property 13): "closed" is a closing keyword, so it is broken up.
    const said = new RegExp(
      `stopped because the issue was c(&#8203;|\u200b)?losed by ${closer.login}`,
    );
    expect(comment).toMatch(said);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ draft: true });
    expect(pulls[0]?.body).toMatch(said);

    // A second delivery of the event finds no run to stop.
    const again = await stack.deliver('issues', {
      action: 'closed',
      issue: { ...issue, state: 'closed' },
      repository,
      sender: closer,
    });
    expect(again).toMatchObject({ status: 202, reply: { result: 'ignored' } });
  } finally {
    await stack.sim('anthropic', 'DELETE', '/_sim/scenario');
  }
});

it('a non-retryable failure: the comment says the run failed and why, the work is a draft PR', async () => {
  await stack.commitFile('.github/blogtube.yml', databaseOnlyConfig(12));
  await stack.sim('github', 'POST', '/_sim/faults', {
    rules: [
      { method: 'POST', path: '/pulls$', status: 422, count: 1, message: 'Validation Failed' },
    ],
  });
  try {
    const opened = await stack.openIssue({
      title: 'Add an audit table',
      body: 'Add a database migration that creates an audit table.',
    });
    await expect(handleFor(opened.number).result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const { status, comment, pulls } = await record(opened.number);
    expect(status.phase).toBe('failed');
    expect(status.error).toMatch(/^the run failed: .*Validation Failed/);
    expect(comment).toMatch(/Failed/);
    expect(comment).toMatch(/the run failed: .*Validation Failed/);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ draft: true });
  } finally {
    await stack.sim('github', 'DELETE', '/_sim/faults');
    await stack.commitFile('.github/blogtube.yml', 'version: 1\n');
  }
});

it('a deleted branch: the run fails, its branch is made again at its last commit, a draft PR holds the work', async () => {
  await stack.sim('anthropic', 'POST', '/_sim/scenario', {
    agents: { backend: { extraTurns: 6 }, frontend: { extraTurns: 6 } },
  });
  try {
    const opened = await stack.openIssue(ISSUE);
    const running = await whenDatabaseDone(opened.number);
    const databaseSha = running.agents.find((a) => a.agent === 'database')?.commitSha;
    await maintainer().rest.git.deleteRef({
      owner: stack.owner,
      repo: stack.repo,
      ref: `heads/${running.branch}`,
    });
    await expect(handleFor(opened.number).result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const { status, comment, pulls } = await record(opened.number);
    expect(status.phase).toBe('failed');
    expect(comment).toMatch(/Failed/);
    expect(comment).toContain('the run failed');
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ draft: true });
    // The branch is back, at the run's last commit (which has the database agent's in its history).
    const log = await repoChecks(stack).branchLog(opened.number);
    expect(log.map((c) => c.sha)).toContain(databaseSha);
  } finally {
    await stack.sim('anthropic', 'DELETE', '/_sim/scenario');
  }
});
