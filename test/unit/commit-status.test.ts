/**
 * Commit statuses of the checks: the activity writes each (sha, context,
 * state) once under retries, even when GitHub applied a write whose answer was
 * lost; the verification fails when the head's statuses are not what the run
 * reported. Through the real Octokit against the GitHub simulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ApplicationFailure } from '@temporalio/common';
import { createGitHubActivities } from '../../activities/github.js';
import type { GitHubActivities } from '../../activities/github.js';
import type { CommitStatusInput } from '../../common/checks.js';
import { statusContext } from '../../common/checks.js';
import { createOctokit } from '../../common/github-client.js';
import { commitFile } from '../../sandbox/github/maintainer.js';
import { startGitHubSim, SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import type { GitHubSim } from '../../sandbox/github/server.js';

let sim: GitHubSim;
let gh: GitHubActivities;
const repo = { owner: 'blogtube', repo: 'blogtube' };
const ref = { ...repo, number: 1 };
const branch = 'blogtube/issue-1';
let head: string;

/** Every status GitHub holds on `sha`, oldest first, as [context, state]. */
async function held(sha: string): Promise<[string, string][]> {
  const octokit = createOctokit(sim.url, undefined);
  const all = await octokit.paginate(octokit.rest.repos.listCommitStatusesForRef, {
    ...repo,
    ref: sha,
    per_page: 100,
  });
  return all.reverse().map((s) => [s.context, s.state]);
}

function status(state: CommitStatusInput['state'], description = 'x'): CommitStatusInput {
  return {
    ...repo,
    sha: head,
    context: statusContext('test'),
    state,
    description,
    targetUrl: 'http://127.0.0.1:8080/issues/1',
  };
}

beforeAll(async () => {
  sim = await startGitHubSim({ port: 0 });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  sim.reset();
  gh = createGitHubActivities({ octokit: createOctokit(sim.url, SANDBOX_TOKENS.bot) });
  const maintainer = createOctokit(sim.url, SANDBOX_TOKENS.maintainer);
  const { data: main } = await maintainer.rest.git.getRef({ ...repo, ref: 'heads/main' });
  await maintainer.rest.git.createRef({
    ...repo,
    ref: `refs/heads/${branch}`,
    sha: main.object.sha,
  });
  head = await commitFile(maintainer, repo, 'api/x.js', 'export {};\n', branch);
});

describe('setCommitStatus', () => {
  it('writes pending then success once each, however often each is retried', async () => {
    const first = await gh.setCommitStatus(status('pending', 'running'));
    expect(first.created).toBe(true);
    expect(await gh.setCommitStatus(status('pending', 'running'))).toEqual({
      id: first.id,
      created: false,
    });
    expect((await gh.setCommitStatus(status('success', 'passed in 3.2s'))).created).toBe(true);
    expect((await gh.setCommitStatus(status('success', 'passed in 3.4s'))).created).toBe(false);
    expect(await held(head)).toEqual([
      ['blogtube/test', 'pending'],
      ['blogtube/test', 'success'],
    ]);
    const octokit = createOctokit(sim.url, undefined);
    const { data } = await octokit.rest.repos.listCommitStatusesForRef({ ...repo, ref: head });
    expect(data[0]).toMatchObject({
      description: 'passed in 3.2s',
      target_url: 'http://127.0.0.1:8080/issues/1',
      creator: { login: 'sandbox-bot' },
    });
  });

  it('a retry after a lost answer (the write was applied) writes nothing more', async () => {
    const octokit = createOctokit(sim.url, SANDBOX_TOKENS.bot);
    let lose = 1;
    octokit.hook.after('request', (_response, options) => {
      if (options.method === 'POST' && options.url.includes('/statuses/') && lose-- > 0) {
        throw new Error('socket hang up');
      }
    });
    const flaky = createGitHubActivities({ octokit });
    await expect(flaky.setCommitStatus(status('failure', 'failed (exit 1)'))).rejects.toThrow();
    expect(await held(head)).toEqual([['blogtube/test', 'failure']]); // applied, answer lost
    expect((await flaky.setCommitStatus(status('failure', 'failed (exit 1)'))).created).toBe(false);
    expect(await held(head)).toEqual([['blogtube/test', 'failure']]);
  });

  it('ignores statuses of another account on the same context, and cuts long descriptions', async () => {
    const maintainer = createOctokit(sim.url, SANDBOX_TOKENS.maintainer);
    await maintainer.rest.repos.createCommitStatus({
      ...repo,
      sha: head,
      context: 'BlogTube/Test',
      state: 'success',
    });
    expect((await gh.setCommitStatus(status('success', 'd'.repeat(300)))).created).toBe(true);
    const octokit = createOctokit(sim.url, undefined);
    const { data } = await octokit.rest.repos.listCommitStatusesForRef({ ...repo, ref: head });
    expect(data[0]?.description).toHaveLength(140);
    expect(data[0]?.creator?.login).toBe('sandbox-bot');
  });
});

describe('verifyRun with the head commit’s statuses', () => {
  async function verification(statuses: { context: string; state: 'success' | 'failure' }[]) {
    return gh.verifyRun({ ref, branch, commits: [], statuses }).then(
      () => undefined,
      (e: unknown) => e,
    );
  }

  it('passes when the head holds the reported states and fails naming each difference', async () => {
    await gh.setCommitStatus(status('pending'));
    await gh.setCommitStatus(status('success'));
    await gh.setCommitStatus({ ...status('failure'), context: statusContext('lint') });
    expect(
      await verification([
        { context: 'blogtube/test', state: 'success' },
        { context: 'blogtube/lint', state: 'failure' },
      ]),
    ).toBeUndefined();

    const err = await verification([
      { context: 'blogtube/test', state: 'failure' },
      { context: 'blogtube/lint', state: 'failure' },
      { context: 'blogtube/types', state: 'success' },
    ]);
    expect(err).toBeInstanceOf(ApplicationFailure);
    const f = err as ApplicationFailure;
    expect(f.type).toBe('VerificationFailed');
    expect(f.nonRetryable).toBe(true);
    const short = head.slice(0, 7);
    expect(f.message).toContain(`status blogtube/test on ${short} is success, not failure`);
    expect(f.message).toContain(`status blogtube/types on ${short} is missing, not success`);
    expect(f.message).not.toContain('blogtube/lint');
  });

  it('checks the branch head: statuses on an older commit do not count', async () => {
    await gh.setCommitStatus(status('success'));
    const maintainer = createOctokit(sim.url, SANDBOX_TOKENS.maintainer);
    await commitFile(maintainer, repo, 'api/y.js', 'export {};\n', branch);
    const f = (await verification([{ context: 'blogtube/test', state: 'success' }])) as Error;
    expect(f.message).toMatch(/status blogtube\/test on [0-9a-f]{7} is missing, not success/);
  });
});
