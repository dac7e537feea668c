/**
 * Commit statuses and draft pull requests in the GitHub simulator, through the
 * real Octokit: create (validated as GitHub does), list newest first with
 * pagination, the combined status and its state rules; a draft stays a draft
 * under the REST update (only GraphQL can mark it ready on GitHub).
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { commitFile } from '../../sandbox/github/maintainer.js';
import { SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import { requestFailure, SIM_REPO, useGitHubSim } from '../support/sims.js';

const repo = SIM_REPO;
const github = useGitHubSim();
const { as } = github;
let sha: string;

beforeEach(async () => {
  const { data } = await as().git.getRef({ ...repo, ref: 'heads/main' });
  sha = data.object.sha;
});

describe('commit statuses', () => {
  it('creates a status with its creator, and lists a ref’s statuses newest first', async () => {
    const bot = as(SANDBOX_TOKENS.bot);
    const { status, data, headers } = await bot.repos.createCommitStatus({
      ...repo,
      sha,
      state: 'pending',
      context: 'blogtube/test',
      description: 'running',
      target_url: 'http://127.0.0.1:8233/namespaces/default/workflows/issue-1',
    });
    expect(status).toBe(201);
    expect(headers.location).toBe(data.url);
    expect(data).toMatchObject({
      state: 'pending',
      context: 'blogtube/test',
      description: 'running',
      target_url: 'http://127.0.0.1:8233/namespaces/default/workflows/issue-1',
      creator: { login: 'sandbox-bot' },
    });
    await bot.repos.createCommitStatus({
      ...repo,
      sha,
      state: 'success',
      context: 'blogtube/test',
    });
    // By branch name, by sha and by short sha alike.
    for (const ref of ['main', sha, sha.slice(0, 7)]) {
      const { data: list } = await as().repos.listCommitStatusesForRef({ ...repo, ref });
      expect(list.map((s) => s.state)).toEqual(['success', 'pending']);
    }
    const { data: none } = await as().repos.listCommitStatusesForRef({
      ...repo,
      ref: await commitFile(as(SANDBOX_TOKENS.maintainer), repo, 'x.md', 'x'),
    });
    expect(none).toEqual([]);
  });

  it('defaults the context to "default" and paginates with a link header', async () => {
    const bot = as(SANDBOX_TOKENS.bot);
    for (let i = 0; i < 5; i++) {
      await bot.repos.createCommitStatus({ ...repo, sha, state: 'pending', description: `${i}` });
    }
    const { data, headers } = await as().repos.listCommitStatusesForRef({
      ...repo,
      ref: sha,
      per_page: 2,
    });
    expect(data.map((s) => [s.context, s.description])).toEqual([
      ['default', '4'],
      ['default', '3'],
    ]);
    expect(headers.link).toMatch(/rel="next"/);
    const all = await as().paginate(as().repos.listCommitStatusesForRef, {
      ...repo,
      ref: sha,
      per_page: 2,
    });
    expect(all.map((s) => s.description)).toEqual(['4', '3', '2', '1', '0']);
  });

  it('combines the latest status of each context: failure > pending > success, none = pending', async () => {
    const bot = as(SANDBOX_TOKENS.bot);
    const combined = async () =>
      (await as().repos.getCombinedStatusForRef({ ...repo, ref: 'main' })).data;
    expect(await combined()).toMatchObject({ state: 'pending', total_count: 0, statuses: [], sha });

    const post = (context: string, state: 'error' | 'failure' | 'pending' | 'success') =>
      bot.repos.createCommitStatus({ ...repo, sha, context, state });
    await post('blogtube/test', 'pending');
    await post('blogtube/lint', 'success');
    expect((await combined()).state).toBe('pending');
    await post('blogtube/test', 'success');
    expect(await combined()).toMatchObject({ state: 'success', total_count: 2 });
    // Contexts ignore case: this replaces blogtube/lint rather than adding a third.
    await post('BlogTube/Lint', 'failure');
    const c = await combined();
    expect(c).toMatchObject({ state: 'failure', total_count: 2 });
    expect(c.statuses.map((s) => [s.context, s.state])).toEqual([
      ['BlogTube/Lint', 'failure'],
      ['blogtube/test', 'success'],
    ]);
    await post('BlogTube/Lint', 'error');
    expect((await combined()).state).toBe('failure');
    await post('blogtube/build', 'pending');
    await post('BlogTube/Lint', 'success');
    expect((await combined()).state).toBe('pending');
    expect(c.commit_url).toMatch(new RegExp(`/commits/${sha}$`));
  });

  it('validates as GitHub does: state, sha, description length, target_url, write access', async () => {
    const bot = as(SANDBOX_TOKENS.bot);
    const untyped: string = 'POST /repos/{owner}/{repo}/statuses/{sha}';
    expect(
      await requestFailure(bot.request(untyped, { ...repo, sha, state: 'done' })),
    ).toMatchObject({
      status: 422,
      errors: [{ field: 'state', code: 'invalid' }],
    });
    expect(await requestFailure(bot.request(untyped, { ...repo, sha }))).toMatchObject({
      status: 422,
      errors: [{ field: 'state', code: 'missing_field' }],
    });
    expect(
      await requestFailure(
        bot.repos.createCommitStatus({ ...repo, sha: 'f'.repeat(40), state: 'success' }),
      ),
    ).toMatchObject({ status: 422, errors: [{ field: 'sha' }] });
    expect(
      await requestFailure(
        bot.repos.createCommitStatus({
          ...repo,
          sha,
          state: 'success',
          description: 'd'.repeat(141),
        }),
      ),
    ).toMatchObject({ status: 422, errors: [{ field: 'description' }] });
    expect(
      await requestFailure(
        bot.repos.createCommitStatus({
          ...repo,
          sha,
          state: 'success',
          target_url: 'javascript:x',
        }),
      ),
    ).toMatchObject({ status: 422, errors: [{ field: 'target_url' }] });
    expect(
      (
        await requestFailure(
          as(SANDBOX_TOKENS.outsider).repos.createCommitStatus({ ...repo, sha, state: 'success' }),
        )
      ).status,
    ).toBe(403);
    expect(
      (await requestFailure(as().repos.createCommitStatus({ ...repo, sha, state: 'success' })))
        .status,
    ).toBe(401);
    expect(
      (await requestFailure(as().repos.getCombinedStatusForRef({ ...repo, ref: 'no-such-branch' })))
        .status,
    ).toBe(404);
    expect((await as().repos.listCommitStatusesForRef({ ...repo, ref: sha })).data).toEqual([]);
  });
});

describe('draft pull requests', () => {
  it('keeps a draft a draft under the REST update, which has no draft field on GitHub', async () => {
    const maintainer = as(SANDBOX_TOKENS.maintainer);
    await maintainer.git.createRef({ ...repo, ref: 'refs/heads/feature', sha });
    await commitFile(maintainer, repo, 'api/x.js', 'export {};\n', 'feature');
    const { data: pr } = await maintainer.pulls.create({
      ...repo,
      title: 'Draft',
      head: 'feature',
      base: 'main',
      draft: true,
    });
    const untyped: string = 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}';
    const { data } = (await maintainer.request(untyped, {
      ...repo,
      pull_number: pr.number,
      draft: false,
      title: 'Still a draft',
    })) as { data: { draft: boolean; title: string } };
    expect(data).toMatchObject({ draft: true, title: 'Still a draft' });
    const { data: again } = await as().pulls.get({ ...repo, pull_number: pr.number });
    expect(again.draft).toBe(true);
  });
});
