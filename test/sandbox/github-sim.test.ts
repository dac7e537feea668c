/**
 * GitHub simulator through the real Octokit client: authentication and
 * permissions, the repository, issues, comments (with pagination) and labels.
 */
import { describe, expect, it } from '@jest/globals';
import { SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import { requestFailure, SIM_REPO, useGitHubSim } from '../support/sims.js';

const repo = SIM_REPO;
const github = useGitHubSim();
const { as } = github;

describe('authentication and permissions', () => {
  it('maps each sandbox token to its user, with "token" or "Bearer"', async () => {
    const { data } = await as(SANDBOX_TOKENS.bot).users.getAuthenticated();
    expect(data).toMatchObject({ login: 'sandbox-bot', type: 'Bot' });
    const bearer = await fetch(`${github.sim.url}/user`, {
      headers: { authorization: `Bearer ${SANDBOX_TOKENS.maintainer}` },
    });
    expect(((await bearer.json()) as { login: string }).login).toBe('sandbox-maintainer');
  });

  it('rejects unknown tokens with 401 Bad credentials, even on public reads', async () => {
    expect(await requestFailure(as('nope').repos.get(repo))).toMatchObject({
      status: 401,
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
    });
  });

  it('serves public reads anonymously; /user and writes need a token', async () => {
    const { data, headers } = await as().repos.get(repo);
    expect(data).toMatchObject({ full_name: 'blogtube/blogtube', default_branch: 'main' });
    expect(data.private).toBe(false);
    expect(data.permissions).toBeUndefined();
    expect(headers['x-ratelimit-limit']).toBe('60');
    expect(headers['x-github-request-id']).toBeTruthy();
    expect((await requestFailure(as().users.getAuthenticated())).status).toBe(401);
    expect(await requestFailure(as().issues.create({ ...repo, title: 'x' }))).toMatchObject({
      status: 401,
      message: 'Requires authentication',
    });
  });

  it('reports the caller permissions and rate limit', async () => {
    const { data, headers } = await as(SANDBOX_TOKENS.contributor).repos.get(repo);
    expect(data.permissions).toMatchObject({ admin: false, push: true, pull: true });
    expect(headers).toMatchObject({
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
    });
    expect(Number(headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
  });

  it('reports collaborator permission levels (non-collaborators read)', async () => {
    const level = async (username: string) =>
      (await as(SANDBOX_TOKENS.bot).repos.getCollaboratorPermissionLevel({ ...repo, username }))
        .data;
    expect(await level('sandbox-maintainer')).toMatchObject({ permission: 'admin' });
    expect(await level('sandbox-contributor')).toMatchObject({ permission: 'write' });
    expect(await level('sandbox-bot')).toMatchObject({ permission: 'write', role_name: 'write' });
    expect(await level('sandbox-outsider')).toMatchObject({ permission: 'read' });
    expect((await requestFailure(level('nobody-at-all'))).status).toBe(404);
    const anonymous = as().repos.getCollaboratorPermissionLevel({ ...repo, username: 'x' });
    expect((await requestFailure(anonymous)).status).toBe(401);
  });

  it('lets read users open issues and comment but not label or write git data', async () => {
    const outsider = as(SANDBOX_TOKENS.outsider);
    const { data: issue } = await outsider.issues.create({ ...repo, title: 'Hi', labels: ['bug'] });
    expect(issue.labels).toEqual([]); // silently dropped without push access, as on GitHub
    await outsider.issues.createComment({ ...repo, issue_number: issue.number, body: 'me too' });
    const label = outsider.issues.addLabels({ ...repo, issue_number: issue.number, labels: ['x'] });
    expect(await requestFailure(label)).toMatchObject({
      status: 403,
      message: 'Resource not accessible by personal access token',
    });
    expect((await requestFailure(outsider.git.createBlob({ ...repo, content: 'x' }))).status).toBe(
      403,
    );
  });

  it('lets authors edit their own issues and comments; write users edit any', async () => {
    const { data: mine } = await as(SANDBOX_TOKENS.outsider).issues.create({ ...repo, title: 'a' });
    await as(SANDBOX_TOKENS.outsider).issues.update({
      ...repo,
      issue_number: mine.number,
      title: 'b',
    });
    const { data: theirs } = await as(SANDBOX_TOKENS.maintainer).issues.create({
      ...repo,
      title: 'maintainer issue',
    });
    const edit = as(SANDBOX_TOKENS.outsider).issues.update({
      ...repo,
      issue_number: theirs.number,
      title: 'hijacked',
    });
    expect((await requestFailure(edit)).status).toBe(403);
    const commentByMaintainer = await as(SANDBOX_TOKENS.maintainer).issues.createComment({
      ...repo,
      issue_number: theirs.number,
      body: 'original',
    });
    const botEdit = as(SANDBOX_TOKENS.bot).issues.updateComment({
      ...repo,
      comment_id: commentByMaintainer.data.id,
      body: 'edited by bot (write access)',
    });
    expect((await botEdit).data.body).toBe('edited by bot (write access)');
    const outsiderEdit = as(SANDBOX_TOKENS.outsider).issues.updateComment({
      ...repo,
      comment_id: commentByMaintainer.data.id,
      body: 'nope',
    });
    expect((await requestFailure(outsiderEdit)).status).toBe(403);
  });

  it('words 403s for the bot as GitHub does for apps', async () => {
    const { data: issue } = await as(SANDBOX_TOKENS.maintainer).issues.create({
      ...repo,
      title: 'x',
    });
    await as(SANDBOX_TOKENS.maintainer).issues.createComment({
      ...repo,
      issue_number: issue.number,
      body: 'maintainer',
    });
    const [comment] = (await as().issues.listComments({ ...repo, issue_number: issue.number }))
      .data;
    // Revoke the bot's write access in-process to exercise the wording.
    github.sim.store.repo('blogtube', 'blogtube')?.collaborators.delete('sandbox-bot');
    const edit = as(SANDBOX_TOKENS.bot).issues.updateComment({
      ...repo,
      comment_id: comment?.id ?? 0,
      body: 'x',
    });
    expect(await requestFailure(edit)).toMatchObject({
      status: 403,
      message: 'Resource not accessible by integration',
    });
  });
});

describe('issues', () => {
  it('creates, reads, updates and closes an issue', async () => {
    const maintainer = as(SANDBOX_TOKENS.maintainer);
    const {
      data: created,
      status,
      headers,
    } = await maintainer.issues.create({
      ...repo,
      title: 'Add video tags',
      body: 'Tags on videos, please.',
      labels: ['enhancement', 'blogtube'],
    });
    expect(status).toBe(201);
    expect(headers.location).toBe(created.url);
    expect(created).toMatchObject({
      number: 1,
      state: 'open',
      title: 'Add video tags',
      body: 'Tags on videos, please.',
      user: { login: 'sandbox-maintainer', type: 'User' },
      html_url: `${github.sim.url}/blogtube/blogtube/issues/1`,
      url: `${github.sim.url}/repos/blogtube/blogtube/issues/1`,
      author_association: 'MEMBER',
      comments: 0,
    });
    expect(created.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual([
      'enhancement',
      'blogtube',
    ]);
    const { data: closed } = await maintainer.issues.update({
      ...repo,
      issue_number: 1,
      state: 'closed',
      title: 'Add video tags (v2)',
    });
    expect(closed).toMatchObject({
      state: 'closed',
      state_reason: 'completed',
      title: 'Add video tags (v2)',
    });
    expect(closed.closed_at).toBeTruthy();
    expect(closed.closed_by?.login).toBe('sandbox-maintainer');
    expect((await as().issues.get({ ...repo, issue_number: 1 })).data.state).toBe('closed');
    expect((await requestFailure(as().issues.get({ ...repo, issue_number: 99 }))).status).toBe(404);
  });

  it('validates input with 422 Validation Failed', async () => {
    const bot = as(SANDBOX_TOKENS.bot);
    const untyped: string = 'POST /repos/{owner}/{repo}/issues'; // deliberately invalid input
    const missing = await requestFailure(bot.request(untyped, { ...repo }));
    expect(missing).toMatchObject({
      status: 422,
      message: 'Validation Failed',
      errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }],
    });
    const invalid = await requestFailure(
      bot.request('POST /repos/{owner}/{repo}/issues', { ...repo, title: 5 as unknown as string }),
    );
    expect(invalid).toMatchObject({ status: 422, errors: [{ field: 'title', code: 'invalid' }] });
    const state = bot.issues.update({ ...repo, issue_number: 1, state: 'shut' as 'open' });
    expect((await requestFailure(state)).status).toBe(404); // no issue 1 yet: 404 before validation
    await bot.issues.create({ ...repo, title: 'x' });
    const badState = bot.issues.update({ ...repo, issue_number: 1, state: 'shut' as 'open' });
    expect((await requestFailure(badState)).status).toBe(422);
    const badFilter = bot.issues.listForRepo({ ...repo, state: 'shut' as 'open' });
    expect((await requestFailure(badFilter)).status).toBe(422);
  });

  it('lists issues by state and label, newest first, with pagination', async () => {
    const bot = as(SANDBOX_TOKENS.bot);
    for (let i = 1; i <= 5; i++) {
      await bot.issues.create({ ...repo, title: `issue ${i}`, labels: i % 2 ? ['bug'] : [] });
    }
    await bot.issues.update({ ...repo, issue_number: 2, state: 'closed' });
    const open = await as().issues.listForRepo({ ...repo, per_page: 2 });
    expect(open.data.map((i) => i.number)).toEqual([5, 4]);
    expect(open.headers.link).toContain('rel="next"');
    expect(open.headers.link).toContain('rel="last"');
    const all = await as().paginate(as().issues.listForRepo, {
      ...repo,
      state: 'all',
      per_page: 2,
    });
    expect(all.map((i) => i.number)).toEqual([5, 4, 3, 2, 1]);
    const bugs = await as().issues.listForRepo({ ...repo, labels: 'BUG' });
    expect(bugs.data.map((i) => i.number)).toEqual([5, 3, 1]);
    const closed = await as().issues.listForRepo({ ...repo, state: 'closed' });
    expect(closed.data.map((i) => i.number)).toEqual([2]);
  });
});

describe('comments', () => {
  it('creates, pages through, reads and edits comments', async () => {
    const bot = as(SANDBOX_TOKENS.bot);
    const { data: issue } = await bot.issues.create({ ...repo, title: 'Chatty issue' });
    for (let i = 1; i <= 105; i++) {
      await bot.issues.createComment({ ...repo, issue_number: issue.number, body: `comment ${i}` });
    }
    const first = await as().issues.listComments({
      ...repo,
      issue_number: issue.number,
      per_page: 500,
    });
    expect(first.data).toHaveLength(100); // per_page is capped at 100
    expect(first.headers.link).toMatch(/page=2.*rel="next"/);
    const all = await as().paginate(as().issues.listComments, {
      ...repo,
      issue_number: issue.number,
      per_page: 40,
    });
    expect(all.map((c) => c.body)).toEqual(
      Array.from({ length: 105 }, (_, i) => `comment ${i + 1}`),
    );
    expect((await as().issues.get({ ...repo, issue_number: issue.number })).data.comments).toBe(
      105,
    );

    const target = all[0]!;
    expect(target).toMatchObject({
      user: { login: 'sandbox-bot', type: 'Bot' },
      issue_url: `${github.sim.url}/repos/blogtube/blogtube/issues/${issue.number}`,
      html_url: `${github.sim.url}/blogtube/blogtube/issues/${issue.number}#issuecomment-${target.id}`,
    });
    const { data: edited } = await bot.issues.updateComment({
      ...repo,
      comment_id: target.id,
      body: 'edited',
    });
    expect(edited.body).toBe('edited');
    const { data: fetched } = await as().issues.getComment({ ...repo, comment_id: target.id });
    expect(fetched.body).toBe('edited');
    expect((await requestFailure(as().issues.getComment({ ...repo, comment_id: 1 }))).status).toBe(
      404,
    );
  });

  it('rejects empty comments and comments on missing issues', async () => {
    const bot = as(SANDBOX_TOKENS.bot);
    await bot.issues.create({ ...repo, title: 'x' });
    expect(
      await requestFailure(bot.issues.createComment({ ...repo, issue_number: 1, body: '' })),
    ).toMatchObject({ status: 422, errors: [{ resource: 'IssueComment', field: 'body' }] });
    const missing = bot.issues.createComment({ ...repo, issue_number: 7, body: 'x' });
    expect((await requestFailure(missing)).status).toBe(404);
  });
});

describe('labels', () => {
  it('lists the seeded labels', async () => {
    const { data } = await as().issues.listLabelsForRepo(repo);
    expect(data.map((l) => l.name)).toEqual([
      'bug',
      'enhancement',
      'question',
      'documentation',
      'blogtube',
    ]);
    expect(data.find((l) => l.name === 'bug')).toMatchObject({ default: true, color: 'd73a4a' });
  });

  it('adds labels idempotently, creates unknown ones and removes them', async () => {
    const bot = as(SANDBOX_TOKENS.bot);
    const { data: issue } = await bot.issues.create({ ...repo, title: 'x' });
    const n = { ...repo, issue_number: issue.number };
    await bot.issues.addLabels({ ...n, labels: ['blogtube'] });
    const { data: twice } = await bot.issues.addLabels({
      ...n,
      labels: ['blogtube', 'agent:done'],
    });
    expect(twice.map((l) => l.name)).toEqual(['blogtube', 'agent:done']);
    expect((await as().issues.listLabelsForRepo(repo)).data.map((l) => l.name)).toContain(
      'agent:done',
    );
    const { data: left } = await bot.issues.removeLabel({ ...n, name: 'blogtube' });
    expect(left.map((l) => l.name)).toEqual(['agent:done']);
    expect((await as().issues.listLabelsOnIssue(n)).data.map((l) => l.name)).toEqual([
      'agent:done',
    ]);
    expect(await requestFailure(bot.issues.removeLabel({ ...n, name: 'blogtube' }))).toMatchObject({
      status: 404,
      message: 'Label does not exist',
    });
    const empty = bot.issues.addLabels({ ...n, labels: [] });
    expect((await requestFailure(empty)).status).toBe(422);
  });
});
