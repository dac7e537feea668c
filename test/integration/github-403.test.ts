/**
 * A 403 is not always a dead credential (issue 16, property 7). Each of
 * GitHub's refusals, produced by the GitHub simulator (a real blob over the
 * contents API's 1 MB, fault injection for the rest) and met through the real
 * Octokit by the real activities: a file too large is a note the agent can act
 * on; a secondary rate limit (with or without `retry-after`) is retried after
 * a wait; branch protection is named as such; only a refused credential stops
 * the run with advice about GITHUB_TOKEN.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { ApplicationFailure } from '@temporalio/common';
import { createGitHubActivities } from '../../activities/github.js';
import { createOctokit } from '../../common/github-client.js';
import { commitFile } from '../../sandbox/github/maintainer.js';
import { startGitHubSim, SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import type { GitHubSim } from '../../sandbox/github/server.js';
import { failureOf } from '../support/failures.js';

let sim: GitHubSim;
const repo = { owner: 'blogtube', repo: 'blogtube' };
const ref = { ...repo, number: 0 };
beforeAll(async () => {
  sim = await startGitHubSim({ port: 0 });
  const { data } = await createOctokit(sim.url, SANDBOX_TOKENS.maintainer).rest.issues.create({
    ...repo,
    title: 'Add a page',
  });
  ref.number = data.number;
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
});

const faults = (rules: unknown[]) =>
  fetch(`${sim.url}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rules }),
  });
const gh = (token: string = SANDBOX_TOKENS.bot) =>
  createGitHubActivities({ octokit: createOctokit(sim.url, token) });

it('a file over the contents API’s 1 MB is a note the agent can act on, not a failure', async () => {
  const maintainer = createOctokit(sim.url, SANDBOX_TOKENS.maintainer);
  await commitFile(maintainer, repo, 'data/huge.csv', 'x,y\n'.repeat(300_000)); // 1.2 MB
  const direct = await failureOf(
    maintainer.rest.repos.getContent({ ...repo, path: 'data/huge.csv' }).catch((e: unknown) => {
      throw ApplicationFailure.create({ message: String((e as { status: number }).status) });
    }),
  );
  expect(direct.message).toBe('403'); // what GitHub answers
  const note = await gh().readFile(ref, 'main', 'data/huge.csv');
  expect(note).toMatch(/data\/huge\.csv is too large to read through GitHub's contents API/);
});

it('a secondary rate limit without retry-after waits a minute; with it, as long as it says', async () => {
  await faults([{ path: '/issues/\\d+$', secondaryRateLimit: true, count: 1 }]);
  const without = await failureOf(gh().loadIssue(ref));
  expect(without.type).toBe('github.rate_limit');
  expect(without.nonRetryable).toBe(false);
  expect(without.nextRetryDelay).toBe(60_000);
  await faults([{ path: '/issues/\\d+$', secondaryRateLimit: true, retryAfter: 2, count: 1 }]);
  const withHeader = await failureOf(gh().loadIssue(ref));
  expect(withHeader.type).toBe('github.rate_limit');
  expect(withHeader.nextRetryDelay).toBe(2000);
  expect((await gh().loadIssue(ref)).number).toBe(ref.number); // the retry goes through
});

it('branch protection is named as such, not blamed on the credential', async () => {
  const bot = gh();
  const branch = 'blogtube/issue-1-protected';
  const { data: main } = await createOctokit(sim.url, SANDBOX_TOKENS.bot).rest.git.getRef({
    ...repo,
    ref: 'heads/main',
  });
  await bot.ensureBranch(ref, branch, main.object.sha);
  const file = await bot.stageFile(
    ref,
    'api/x.js',
    'export {};\n',
    { allowed: ['api/**'], protectedPaths: [], maxFileBytes: 100, maxFiles: 2 },
    [],
  );
  await faults([{ method: 'PATCH', path: '/git/refs/', branchProtection: true }]);
  const failure = await failureOf(
    bot.commitAgentChanges({
      ref,
      branch,
      workflowId: 'issue:blogtube/blogtube#1',
      agent: 'backend',
      summary: 'x',
      files: [file],
    }),
  );
  expect(failure.type).toBe('github.branch_protection');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toMatch(/the branch is protected/);
  expect(failure.message).not.toMatch(/GITHUB_TOKEN/);
});

it('only a refused credential stops the run with advice about GITHUB_TOKEN', async () => {
  const revoked = await failureOf(gh('revoked-token').loadIssue(ref));
  expect(revoked.type).toBe('github.auth');
  expect(revoked.nonRetryable).toBe(true);
  expect(revoked.message).toMatch(/HTTP 401.*check GITHUB_TOKEN/);
  // A plain 403 (no permission for this) is the credential's too.
  await faults([{ path: '/issues/\\d+$', status: 403, count: 1 }]);
  const denied = await failureOf(gh().loadIssue(ref));
  expect(denied.type).toBe('github.auth');
  expect(denied.message).toMatch(/GITHUB_TOKEN/);
});
