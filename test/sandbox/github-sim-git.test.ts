/**
 * GitHub simulator through the real Octokit client: git data (blobs, trees,
 * commits, refs), contents, commit history, branches and pull requests.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { applyPatch } from 'diff';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { filesUnder, projectDir } from '../../sandbox/github/project.js';
import { SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import { requestFailure, SIM_REPO, useGitHubSim } from '../support/sims.js';

const repo = SIM_REPO;
const github = useGitHubSim();
let bot: Octokit;
const anonymous = () => github.as();

async function mainSha(): Promise<string> {
  return (await bot.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha;
}

/** One commit on top of `parent` changing `files` (null deletes), via the git data API. */
async function commitFiles(parent: string, files: Record<string, string | null>, message: string) {
  const { data: parentCommit } = await bot.git.getCommit({ ...repo, commit_sha: parent });
  const { data: tree } = await bot.git.createTree({
    ...repo,
    base_tree: parentCommit.tree.sha,
    tree: Object.entries(files).map(([path, content]) =>
      content === null
        ? { path, mode: '100644' as const, type: 'blob' as const, sha: null }
        : { path, mode: '100644' as const, type: 'blob' as const, content },
    ),
  });
  const { data: commit } = await bot.git.createCommit({
    ...repo,
    message,
    tree: tree.sha,
    parents: [parent],
  });
  return commit.sha;
}

async function branchWith(name: string, files: Record<string, string | null>): Promise<string> {
  const sha = await commitFiles(await mainSha(), files, `Change on ${name}`);
  await bot.git.createRef({ ...repo, ref: `refs/heads/${name}`, sha });
  return sha;
}

async function filesAt(ref: string): Promise<Record<string, string>> {
  const res = await fetch(`${github.sim.url}/_sim/repos/blogtube/blogtube/files?ref=${ref}`);
  return (await res.json()) as Record<string, string>;
}

beforeAll(() => {
  bot = github.as(SANDBOX_TOKENS.bot);
});

describe('git objects', () => {
  it('hashes blobs, trees and commits exactly like git', async () => {
    const { data: blob } = await bot.git.createBlob({ ...repo, content: 'hello\n' });
    expect(blob.sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    const { data: empty } = await bot.git.createTree({ ...repo, tree: [] });
    expect(empty.sha).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
    const { data: tree } = await bot.git.createTree({
      ...repo,
      tree: [
        { path: 'a.txt', mode: '100644', type: 'blob', sha: blob.sha },
        { path: 'd/b.md', mode: '100644', type: 'blob', content: 'x' },
      ],
    });
    expect(tree.sha).toBe('5cae9f327e2017dba2686006747c44aae89fcffd');
    const person = { name: 'A', email: 'a@x.io', date: '2025-01-01T00:00:00Z' };
    const { data: commit, status } = await bot.git.createCommit({
      ...repo,
      message: 'first\n',
      tree: tree.sha,
      parents: [],
      author: person,
      committer: person,
    });
    expect(status).toBe(201);
    expect(commit.sha).toBe('eafe64bc0a4dd146a8c5ecc41c680f7b5daebc19'); // `git commit` made it
    expect(commit.verification?.verified).toBe(false);
  });

  it('stores and returns blobs in utf-8 and base64', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const { data: created, status } = await bot.git.createBlob({
      ...repo,
      content: bytes.toString('base64'),
      encoding: 'base64',
    });
    expect(status).toBe(201);
    const { data } = await anonymous().git.getBlob({ ...repo, file_sha: created.sha });
    expect(data).toMatchObject({ sha: created.sha, size: 5, encoding: 'base64' });
    expect(Buffer.from(data.content, 'base64')).toEqual(bytes);
    const bad = bot.git.createBlob({ ...repo, content: 'x', encoding: 'utf-16' });
    expect((await requestFailure(bad)).status).toBe(422);
    expect(
      (await requestFailure(anonymous().git.getBlob({ ...repo, file_sha: 'f'.repeat(40) }))).status,
    ).toBe(404);
  });

  it('builds trees on a base tree: add, replace, delete and whole subtrees', async () => {
    const { data: head } = await bot.git.getCommit({ ...repo, commit_sha: await mainSha() });
    const { data: tree } = await bot.git.createTree({
      ...repo,
      base_tree: head.tree.sha,
      tree: [
        { path: 'api/routes/tags.js', mode: '100644', type: 'blob', content: 'export {};\n' },
        { path: 'README.md', mode: '100644', type: 'blob', content: '# BlogTube v2\n' },
        { path: 'docs/api.md', mode: '100644', type: 'blob', sha: null },
        { path: 'deploy', mode: '040000', type: 'tree', sha: null },
      ],
    });
    const { data: listing } = await anonymous().git.getTree({
      ...repo,
      tree_sha: tree.sha,
      recursive: 'true',
    });
    const paths = listing.tree.map((e) => e.path);
    expect(paths).toContain('api/routes/tags.js');
    expect(paths).toContain('docs/README.md');
    expect(paths).not.toContain('docs/api.md');
    expect(paths.filter((p) => p?.startsWith('deploy'))).toEqual([]);
    expect(listing.tree.find((e) => e.path === 'api')?.type).toBe('tree');
    const top = await anonymous().git.getTree({ ...repo, tree_sha: tree.sha });
    expect(top.data.tree.filter((e) => e.path?.includes('/'))).toEqual([]);
    const byBranch = await anonymous().git.getTree({ ...repo, tree_sha: 'main' });
    expect(byBranch.data.sha).toBe(head.tree.sha);
  });

  it('rejects malformed tree entries and unknown objects with 422', async () => {
    const bad = (tree: Parameters<Octokit['git']['createTree']>[0]) =>
      requestFailure(bot.git.createTree(tree));
    expect(
      await bad({ ...repo, tree: [{ path: '../x', mode: '100644', type: 'blob', content: 'x' }] }),
    ).toMatchObject({ status: 422, message: 'tree.path contains a malformed path component' });
    expect(
      await bad({
        ...repo,
        tree: [{ path: 'x', mode: '100644', type: 'blob', sha: 'a'.repeat(40) }],
      }),
    ).toMatchObject({ status: 422, message: `tree.sha ${'a'.repeat(40)} is not a valid blob` });
    expect(
      await bad({ ...repo, tree: [{ path: 'x', mode: '040000', type: 'blob', content: 'x' }] }),
    ).toMatchObject({ status: 422 });
    expect(await bad({ ...repo, base_tree: 'b'.repeat(40), tree: [] })).toMatchObject({
      status: 422,
    });
    const missingTree = bot.git.createCommit({ ...repo, message: 'm', tree: 'c'.repeat(40) });
    expect(await requestFailure(missingTree)).toMatchObject({
      status: 422,
      message: 'Tree SHA does not exist',
    });
    const { data: head } = await bot.git.getCommit({ ...repo, commit_sha: await mainSha() });
    const badParent = bot.git.createCommit({
      ...repo,
      message: 'm',
      tree: head.tree.sha,
      parents: ['d'.repeat(40)],
    });
    expect((await requestFailure(badParent)).status).toBe(422);
    const untyped: string = 'POST /repos/{owner}/{repo}/git/commits'; // deliberately invalid
    const noMessage = bot.request(untyped, {
      ...repo,
      tree: head.tree.sha,
    });
    expect(await requestFailure(noMessage)).toMatchObject({
      status: 422,
      errors: [{ resource: 'Commit', field: 'message', code: 'missing_field' }],
    });
  });

  it('defaults the author to the authenticated user', async () => {
    const { data: head } = await bot.git.getCommit({ ...repo, commit_sha: await mainSha() });
    const { data: commit } = await bot.git.createCommit({
      ...repo,
      message: 'by the bot',
      tree: head.tree.sha,
      parents: [head.sha],
    });
    expect(commit.author).toMatchObject({
      name: 'Sandbox Bot',
      email: '1004+sandbox-bot@users.noreply.github.com',
    });
    expect(commit.committer).toEqual(commit.author);
    const { data: rest } = await anonymous().repos.getCommit({ ...repo, ref: commit.sha });
    expect(rest.author?.login).toBe('sandbox-bot');
  });
});

describe('refs', () => {
  it('creates, fast-forwards, force-updates and deletes a branch', async () => {
    const base = await mainSha();
    const { data: created, status } = await bot.git.createRef({
      ...repo,
      ref: 'refs/heads/blogtube/issue-1',
      sha: base,
    });
    expect(status).toBe(201);
    expect(created).toMatchObject({
      ref: 'refs/heads/blogtube/issue-1',
      object: { sha: base, type: 'commit' },
    });
    const again = bot.git.createRef({ ...repo, ref: 'refs/heads/blogtube/issue-1', sha: base });
    expect(await requestFailure(again)).toMatchObject({
      status: 422,
      message: 'Reference already exists',
    });

    const next = await commitFiles(
      base,
      { 'db/migrations/002_tags.sql': 'CREATE TABLE tags();\n' },
      'tags',
    );
    const ff = await bot.git.updateRef({ ...repo, ref: 'heads/blogtube/issue-1', sha: next });
    expect(ff.data.object.sha).toBe(next);

    const sibling = await commitFiles(base, { 'api/x.js': 'x\n' }, 'sibling');
    const nff = bot.git.updateRef({ ...repo, ref: 'heads/blogtube/issue-1', sha: sibling });
    expect(await requestFailure(nff)).toMatchObject({
      status: 422,
      message: 'Update is not a fast forward',
    });
    const forced = await bot.git.updateRef({
      ...repo,
      ref: 'heads/blogtube/issue-1',
      sha: sibling,
      force: true,
    });
    expect(forced.data.object.sha).toBe(sibling);

    const matching = await anonymous().git.listMatchingRefs({ ...repo, ref: 'heads/blogtube/' });
    expect(matching.data.map((r) => r.ref)).toEqual(['refs/heads/blogtube/issue-1']);
    const all = await anonymous().git.listMatchingRefs({ ...repo, ref: 'heads' });
    expect(all.data.map((r) => r.ref)).toEqual(['refs/heads/blogtube/issue-1', 'refs/heads/main']);

    expect((await bot.git.deleteRef({ ...repo, ref: 'heads/blogtube/issue-1' })).status).toBe(204);
    const gone = anonymous().git.getRef({ ...repo, ref: 'heads/blogtube/issue-1' });
    expect(await requestFailure(gone)).toMatchObject({ status: 404, message: 'Not Found' });
    const deleteAgain = bot.git.deleteRef({ ...repo, ref: 'heads/blogtube/issue-1' });
    expect(await requestFailure(deleteAgain)).toMatchObject({
      status: 422,
      message: 'Reference does not exist',
    });
  });

  it('validates ref names, targets and the default branch', async () => {
    const sha = await mainSha();
    const unqualified = bot.git.createRef({ ...repo, ref: 'heads/x', sha });
    expect(await requestFailure(unqualified)).toMatchObject({
      status: 422,
      message: 'Reference name is invalid',
    });
    const dotdot = bot.git.createRef({ ...repo, ref: 'refs/heads/a..b', sha });
    expect((await requestFailure(dotdot)).status).toBe(422);
    const missing = bot.git.createRef({ ...repo, ref: 'refs/heads/x', sha: 'e'.repeat(40) });
    expect(await requestFailure(missing)).toMatchObject({
      status: 422,
      message: 'Object does not exist',
    });
    const updateMissing = bot.git.updateRef({ ...repo, ref: 'heads/nope', sha });
    expect(await requestFailure(updateMissing)).toMatchObject({
      status: 422,
      message: 'Reference does not exist',
    });
    expect((await requestFailure(bot.git.deleteRef({ ...repo, ref: 'heads/main' }))).status).toBe(
      422,
    );
  });
});

describe('contents, commits and branches', () => {
  it('reads files (base64) and directories at a ref', async () => {
    const { data: file } = await anonymous().repos.getContent({
      ...repo,
      path: '.github/blogtube.yml',
    });
    if (Array.isArray(file) || file.type !== 'file') throw new Error('expected a file');
    expect(file).toMatchObject({
      name: 'blogtube.yml',
      path: '.github/blogtube.yml',
      encoding: 'base64',
    });
    const yml = Buffer.from(file.content, 'base64').toString('utf8');
    expect(yml).toContain('trigger_label: blogtube');
    const doc = parseYaml(yml) as { agents: { documentation: { paths: string[] } } };
    expect(doc.agents.documentation.paths).toEqual(['docs/**', 'README.md']);
    expect(file.size).toBe(Buffer.byteLength(yml));

    const { data: root } = await anonymous().repos.getContent({ ...repo, path: '' });
    if (!Array.isArray(root)) throw new Error('expected a directory');
    expect(root.map((e) => `${e.type}:${e.path}`)).toEqual(
      expect.arrayContaining([
        'dir:api',
        'dir:db',
        'file:README.md',
        'file:AGENTS.md',
        'dir:.github',
      ]),
    );
    const { data: dir } = await anonymous().repos.getContent({ ...repo, path: 'api' });
    expect(Array.isArray(dir) && dir.map((e) => e.path)).toEqual([
      'api/app.js',
      'api/app.test.js',
      'api/server.js',
    ]);

    await branchWith('feature', { 'web/src/Tags.jsx': 'export {};\n' });
    const onBranch = await anonymous().repos.getContent({
      ...repo,
      path: 'web/src/Tags.jsx',
      ref: 'feature',
    });
    expect(Array.isArray(onBranch.data)).toBe(false);
    const onMain = anonymous().repos.getContent({ ...repo, path: 'web/src/Tags.jsx' });
    expect((await requestFailure(onMain)).status).toBe(404);
    const badRef = anonymous().repos.getContent({ ...repo, path: 'README.md', ref: 'nope' });
    expect(await requestFailure(badRef)).toMatchObject({
      status: 404,
      message: 'No commit found for the ref nope',
    });
  });

  it('seeds the BlogTube project (sandbox/github/project) in two commits', async () => {
    const files = await filesAt('main');
    const root = projectDir();
    const paths = await filesUnder(root);
    expect(Object.keys(files).sort()).toEqual(paths);
    for (const path of paths) expect(files[path]).toBe(await readFile(join(root, path), 'utf8'));
    expect(paths).toEqual(
      expect.arrayContaining([
        '.github/blogtube.yml',
        '.github/workflows/ci.yml',
        'AGENTS.md',
        'api/app.js',
        'db/store.js',
        'deploy/config.js',
        'docs/api.md',
        'package.json',
        'web/render.js',
      ]),
    );
  });

  it('seeds the classic Express/React app on request', async () => {
    const res = await fetch(`${github.sim.url}/_sim/repos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'classic', repo: 'blogtube', classic: true }),
    });
    expect(res.status).toBe(200);
    const files = (await (
      await fetch(`${github.sim.url}/_sim/repos/classic/blogtube/files?ref=main`)
    ).json()) as Record<string, string>;
    expect(Object.keys(files).sort()).toEqual(
      [
        '.github/blogtube.yml',
        '.github/workflows/ci.yml',
        'AGENTS.md',
        'README.md',
        'api/routes/posts.js',
        'api/routes/videos.js',
        'api/server.js',
        'db/migrations/001_init.sql',
        'db/schema.sql',
        'deploy/docker-compose.yml',
        'deploy/k8s/deployment.yaml',
        'docs/README.md',
        'docs/api.md',
        'package.json',
        'web/src/App.jsx',
        'web/src/components/PostList.jsx',
        'web/src/components/VideoPlayer.jsx',
      ].sort(),
    );
  });

  it('lists commits newest first, paginated, and shows one commit with its files', async () => {
    const tip = await commitFiles(
      await mainSha(),
      { 'docs/tags.md': '# Tags\n', 'docs/api.md': null },
      'docs',
    );
    await bot.git.updateRef({ ...repo, ref: 'heads/main', sha: tip });
    const { data: list, headers } = await anonymous().repos.listCommits({ ...repo, per_page: 2 });
    expect(list.map((c) => c.commit.message)).toEqual([
      'docs',
      'Add deployment, developer docs and agent configuration\n',
    ]);
    expect(list[0]?.parents.map((p) => p.sha)).toEqual([list[1]?.sha]);
    expect(headers.link).toContain('rel="next"');
    const all = await anonymous().paginate(anonymous().repos.listCommits, { ...repo, per_page: 1 });
    expect(all).toHaveLength(3);
    const bySha = await anonymous().repos.listCommits({ ...repo, sha: all[1]!.sha });
    expect(bySha.data).toHaveLength(2);

    const { data: one } = await anonymous().repos.getCommit({ ...repo, ref: tip });
    expect(one.files?.map((f) => [f.filename, f.status])).toEqual([
      ['docs/api.md', 'removed'],
      ['docs/tags.md', 'added'],
    ]);
    expect(one.stats).toMatchObject({ additions: 1 });
    const unknown = anonymous().repos.getCommit({ ...repo, ref: 'nope' });
    expect((await requestFailure(unknown)).status).toBe(422);
    const missingBranch = anonymous().repos.listCommits({ ...repo, sha: 'nope' });
    expect((await requestFailure(missingBranch)).status).toBe(404);
  });

  it('reads branches, including names with slashes', async () => {
    const sha = await branchWith('blogtube/issue-7', { 'api/a.js': 'a\n' });
    const { data } = await anonymous().repos.getBranch({ ...repo, branch: 'blogtube/issue-7' });
    expect(data).toMatchObject({ name: 'blogtube/issue-7', protected: false, commit: { sha } });
    const missing = anonymous().repos.getBranch({ ...repo, branch: 'nope' });
    expect(await requestFailure(missing)).toMatchObject({
      status: 404,
      message: 'Branch not found',
    });
  });
});

describe('pull requests', () => {
  it('opens a draft PR that shares the issue number sequence', async () => {
    await bot.issues.create({ ...repo, title: 'The issue' });
    const headSha = await branchWith('blogtube/issue-1', {
      'api/routes/tags.js': 'export const tags = [];\n',
      'README.md': '# BlogTube\n',
    });
    const { data: pr, status } = await bot.pulls.create({
      ...repo,
      title: 'Add tags',
      head: 'blogtube/issue-1',
      base: 'main',
      body: 'Closes #1',
      draft: true,
    });
    expect(status).toBe(201);
    expect(pr).toMatchObject({
      number: 2,
      state: 'open',
      draft: true,
      merged: false,
      title: 'Add tags',
      body: 'Closes #1',
      html_url: `${github.sim.url}/blogtube/blogtube/pull/2`,
      head: { ref: 'blogtube/issue-1', sha: headSha, label: 'blogtube:blogtube/issue-1' },
      base: { ref: 'main', sha: await mainSha() },
      user: { login: 'sandbox-bot' },
      commits: 1,
      changed_files: 2,
      mergeable: true,
      mergeable_state: 'draft',
    });
    const { data: asIssue } = await anonymous().issues.get({ ...repo, issue_number: 2 });
    expect(asIssue.pull_request?.html_url).toBe(pr.html_url);
    const prs = await anonymous().pulls.list({ ...repo, head: 'blogtube:blogtube/issue-1' });
    expect(prs.data.map((p) => p.number)).toEqual([2]);
    expect((await anonymous().pulls.list({ ...repo, head: 'blogtube:other' })).data).toEqual([]);
    expect((await anonymous().pulls.list({ ...repo, base: 'main' })).data).toHaveLength(1);
    expect((await anonymous().pulls.list({ ...repo, state: 'closed' })).data).toEqual([]);
    expect((await requestFailure(anonymous().pulls.get({ ...repo, pull_number: 1 }))).status).toBe(
      404,
    );
  });

  it('rejects duplicates, empty and invalid heads with 422', async () => {
    await branchWith('feature', { 'web/x.jsx': 'x\n' });
    await bot.pulls.create({ ...repo, title: 'one', head: 'feature', base: 'main' });
    const dup = await requestFailure(
      bot.pulls.create({ ...repo, title: 'two', head: 'blogtube:feature', base: 'main' }),
    );
    expect(dup).toMatchObject({
      status: 422,
      message: 'Validation Failed',
      errors: [
        {
          resource: 'PullRequest',
          code: 'custom',
          message: 'A pull request already exists for blogtube:feature.',
        },
      ],
    });
    await bot.git.createRef({ ...repo, ref: 'refs/heads/same', sha: await mainSha() });
    const empty = await requestFailure(
      bot.pulls.create({ ...repo, title: 'x', head: 'same', base: 'main' }),
    );
    expect(empty).toMatchObject({
      status: 422,
      errors: [{ message: 'No commits between main and same' }],
    });
    const noHead = await requestFailure(
      bot.pulls.create({ ...repo, title: 'x', head: 'nope', base: 'main' }),
    );
    expect(noHead).toMatchObject({ status: 422, errors: [{ field: 'head', code: 'invalid' }] });
    const fork = await requestFailure(
      bot.pulls.create({ ...repo, title: 'x', head: 'someone:feature', base: 'main' }),
    );
    expect(fork).toMatchObject({ status: 422, errors: [{ field: 'head' }] });
    const noTitle = await requestFailure(
      bot.request('POST /repos/{owner}/{repo}/pulls', { ...repo, head: 'feature', base: 'main' }),
    );
    expect(noTitle).toMatchObject({
      status: 422,
      errors: [{ field: 'title', code: 'missing_field' }],
    });
    const outsider = github.as(SANDBOX_TOKENS.outsider);
    expect(
      (
        await requestFailure(
          outsider.pulls.create({ ...repo, title: 'x', head: 'feature', base: 'main' }),
        )
      ).status,
    ).toBe(403);
  });

  it('updates, closes and reopens; follows the head branch; detects conflicts', async () => {
    await branchWith('feature', { 'README.md': '# Feature readme\n' });
    const { data: pr } = await bot.pulls.create({
      ...repo,
      title: 't',
      head: 'feature',
      base: 'main',
    });
    const tip = await commitFiles(
      (await bot.git.getRef({ ...repo, ref: 'heads/feature' })).data.object.sha,
      { 'api/y.js': 'y\n' },
      'more',
    );
    await bot.git.updateRef({ ...repo, ref: 'heads/feature', sha: tip });
    const { data: followed } = await anonymous().pulls.get({ ...repo, pull_number: pr.number });
    expect(followed).toMatchObject({
      head: { sha: tip },
      commits: 2,
      changed_files: 2,
      mergeable_state: 'clean',
    });

    const mainTip = await commitFiles(
      await mainSha(),
      { 'README.md': '# Main readme\n' },
      'main edit',
    );
    await bot.git.updateRef({ ...repo, ref: 'heads/main', sha: mainTip });
    const { data: conflicted } = await anonymous().pulls.get({ ...repo, pull_number: pr.number });
    expect(conflicted).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });

    const { data: closed } = await bot.pulls.update({
      ...repo,
      pull_number: pr.number,
      title: 'renamed',
      body: 'new body',
      state: 'closed',
    });
    expect(closed).toMatchObject({ state: 'closed', title: 'renamed', body: 'new body' });
    expect(closed.closed_at).toBeTruthy();
    const { data: second } = await bot.pulls.create({
      ...repo,
      title: 'again',
      head: 'feature',
      base: 'main',
    });
    const reopen = bot.pulls.update({ ...repo, pull_number: pr.number, state: 'open' });
    expect((await requestFailure(reopen)).status).toBe(422);
    await bot.pulls.update({ ...repo, pull_number: second.number, state: 'closed' });
    const { data: reopened } = await bot.pulls.update({
      ...repo,
      pull_number: pr.number,
      state: 'open',
    });
    expect(reopened.state).toBe('open');
    const badBase = bot.pulls.update({ ...repo, pull_number: pr.number, base: 'nope' });
    expect((await requestFailure(badBase)).status).toBe(422);
  });
});

describe('what a reviewer reads: pull request commits and files, comparisons', () => {
  const branch = 'blogtube/issue-9';

  /** A two-commit branch: adds, modifies and removes files. */
  async function reviewBranch() {
    const main = await filesAt('main');
    const readme = (main['README.md'] ?? '').split('\n');
    readme.splice(2, 1, 'A changed line.', 'And one more.');
    const first = await commitFiles(
      await mainSha(),
      { 'api/routes/tags.js': 'export const tags = [];\n', 'README.md': readme.join('\n') },
      'Add tags\n\nBlogTube-Agent: backend',
    );
    const removed = Object.keys(main).find((p) => p.startsWith('web/')) as string;
    const second = await commitFiles(
      first,
      { [removed]: null, 'docs/tags.md': '# Tags\n\nGroup videos.' },
      'Document tags\n\nBlogTube-Agent: documentation',
    );
    await bot.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: second });
    return { main, commits: [first, second] };
  }

  /** Every file the patches describe, applied to main, gives the branch; nothing else differs. */
  async function expectFilesMatchBranch(
    files: {
      filename: string;
      status: string;
      patch?: string;
      additions: number;
      deletions: number;
    }[],
    main: Record<string, string>,
  ) {
    const head = await filesAt(encodeURIComponent(branch));
    const differing = [...new Set([...Object.keys(main), ...Object.keys(head)])]
      .filter((p) => main[p] !== head[p])
      .sort();
    expect(files.map((f) => f.filename).sort()).toEqual(differing);
    for (const f of files) {
      expect(f.status).toBe(
        !(f.filename in main) ? 'added' : f.filename in head ? 'modified' : 'removed',
      );
      expect(applyPatch(main[f.filename] ?? '', f.patch ?? '')).toBe(head[f.filename] ?? '');
      const lines = (f.patch ?? '').split('\n');
      expect(f.additions).toBe(lines.filter((l) => l.startsWith('+')).length);
      expect(f.deletions).toBe(lines.filter((l) => l.startsWith('-')).length);
    }
  }

  it('lists a pull request’s commits oldest first and its files as patches that turn main into the branch', async () => {
    const { main, commits } = await reviewBranch();
    const { data: pr } = await bot.pulls.create({
      ...repo,
      title: 'Tags',
      head: branch,
      base: 'main',
    });
    const anon = anonymous();
    const { data: listed } = await anon.pulls.listCommits({ ...repo, pull_number: pr.number });
    expect(listed.map((c) => c.sha)).toEqual(commits);
    expect(listed[1]?.commit.message).toContain('BlogTube-Agent: documentation');
    const { data: files } = await anon.pulls.listFiles({ ...repo, pull_number: pr.number });
    expect(files).toHaveLength(4);
    await expectFilesMatchBranch(files, main);
    const { data: whole } = await anon.pulls.get({ ...repo, pull_number: pr.number });
    expect(whole.additions).toBe(files.reduce((n, f) => n + f.additions, 0));
    expect(whole.changed_files).toBe(4);
    const missing = anon.pulls.listFiles({ ...repo, pull_number: 999 });
    expect((await requestFailure(missing)).status).toBe(404);
  });

  it('compares two refs: ahead, behind, diverged, identical, with the files since the merge base', async () => {
    const { main, commits } = await reviewBranch();
    const anon = anonymous();
    const basehead = (b: string, h: string) => ({ ...repo, basehead: `${b}...${h}` });
    const { data: ahead } = await anon.repos.compareCommitsWithBasehead(basehead('main', branch));
    expect(ahead).toMatchObject({ status: 'ahead', ahead_by: 2, behind_by: 0, total_commits: 2 });
    expect(ahead.commits.map((c) => c.sha)).toEqual(commits);
    await expectFilesMatchBranch(ahead.files ?? [], main);
    const { data: behind } = await anon.repos.compareCommitsWithBasehead(basehead(branch, 'main'));
    expect(behind).toMatchObject({ status: 'behind', ahead_by: 0, behind_by: 2, files: [] });
    const { data: same } = await anon.repos.compareCommitsWithBasehead(
      basehead(`blogtube:${commits[1]}`, branch),
    );
    expect(same.status).toBe('identical');

    // Main moves on: the comparison diverges and still shows only the branch's changes.
    const moved = await commitFiles(await mainSha(), { 'NOTES.md': 'notes\n' }, 'Notes');
    await bot.git.updateRef({ ...repo, ref: 'heads/main', sha: moved });
    const { data: diverged } = await anon.repos.compareCommitsWithBasehead(
      basehead('main', branch),
    );
    expect(diverged).toMatchObject({ status: 'diverged', ahead_by: 2, behind_by: 1 });
    expect(diverged.merge_base_commit.sha).toBe(
      (await anon.repos.getCommit({ ...repo, ref: commits[0] as string })).data.parents[0]?.sha,
    );
    await expectFilesMatchBranch(diverged.files ?? [], main);

    for (const bad of ['main...nope', 'main', 'someone:main...main']) {
      const res = anon.repos.compareCommitsWithBasehead({ ...repo, basehead: bad });
      expect((await requestFailure(res)).status).toBe(404);
    }
  });
});
