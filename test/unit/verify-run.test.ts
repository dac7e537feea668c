/**
 * Success is checked against GitHub: the verification activity, through the
 * real Octokit against the GitHub simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createGitHubActivities } from '../../activities/github.js';
import type { GitHubActivities } from '../../activities/github.js';
import { createOctokit } from '../../common/github-client.js';
import { startGitHubSim, SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import type { GitHubSim } from '../../sandbox/github/server.js';
import { failureOf } from '../support/failures.js';
import { STAGED_BRANCH, STAGED_REF, stageOnBranch } from '../support/staged-branch.js';

let sim: GitHubSim;
let gh: GitHubActivities;
const ref = STAGED_REF;
const branch = STAGED_BRANCH;
let commitSha: string;
let prNumber: number;

beforeAll(async () => {
  sim = await startGitHubSim({ port: 0 });
  gh = createGitHubActivities({ octokit: createOctokit(sim.url, SANDBOX_TOKENS.bot) });
  const file = await stageOnBranch(sim.url);
  const commit = await gh.commitAgentChanges({
    ref,
    branch,
    workflowId: 'wf',
    agent: 'backend',
    summary: 's',
    files: [file],
  });
  commitSha = commit.sha;
  const pr = await gh.openPullRequest({
    ref,
    branch,
    base: 'main',
    title: 't',
    body: 'Fixes #1',
    draft: false,
  });
  prNumber = pr.number;
});
afterAll(async () => {
  await sim?.close();
});

describe('verifyRun', () => {
  it('passes when the branch holds every commit and the PR is open on it', async () => {
    await expect(
      gh.verifyRun({ ref, branch, commits: [{ agent: 'backend', sha: commitSha }], prNumber }),
    ).resolves.toBeUndefined();
  });

  it('a commit missing from the branch is a non-retryable failure naming it', async () => {
    const f = await failureOf(
      gh.verifyRun({
        ref,
        branch,
        commits: [{ agent: 'frontend', sha: 'f'.repeat(40) }],
        prNumber,
      }),
    );
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('VerificationFailed');
    expect(f.message).toMatch(/the frontend agent's commit fffffff is not on blogtube\/issue-1/);
  });

  it('a closed PR, or a branch that moved past the PR head, is reported', async () => {
    const maintainer = createOctokit(sim.url, SANDBOX_TOKENS.maintainer);
    await maintainer.rest.pulls.update({
      owner: 'blogtube',
      repo: 'blogtube',
      pull_number: prNumber,
      state: 'closed',
    });
    const f = await failureOf(gh.verifyRun({ ref, branch, commits: [], prNumber }));
    expect(f.message).toMatch(new RegExp(`pull request #${prNumber} is closed`));
    const missing = await failureOf(
      gh.verifyRun({ ref, branch: 'blogtube/issue-404', commits: [], prNumber }),
    );
    expect(missing.message).toMatch(/branch blogtube\/issue-404 does not exist/);
  });
});
