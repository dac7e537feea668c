/**
 * Checkouts through the real Octokit from the GitHub simulator over HTTP: the
 * tarball's 302 to the archive, a safe extraction, one download per
 * (repository, sha) for any number of workspaces, a crashed predecessor's
 * leftovers removed; and the sandbox repository's own project checked out and
 * its test suite run green inside the sandbox.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { create, list } from 'tar';
import { WorkspaceConfig } from '../../common/repo-config.js';
import { extractArchive } from '../../activities/workspace/checkout.js';
import { checkArchiveEntry } from '../../activities/workspace/pure/archive-entry.js';
import { runSandboxed } from '../../activities/workspace/sandbox.js';
import { WorkspaceStore } from '../../activities/workspace/workspaces.js';
import { filesUnder, pushProject } from '../../sandbox/github/project.js';
import { SANDBOX_TOKENS, startGitHubSim, type GitHubSim } from '../../sandbox/github/server.js';
import { makeTempDir } from '../support/tmp.js';
import { parse } from 'yaml';

const repo = { owner: 'blogtube', repo: 'blogtube' };
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let sim: GitHubSim;
let bot: Octokit;
let tmp: { dir: string; cleanup: () => Promise<void> };
let projectSha: string;

async function requestLog(): Promise<{ method: string; path: string; status: number }[]> {
  return (await (await fetch(`${sim.url}/_sim/requests`)).json()) as never;
}

beforeAll(async () => {
  sim = await startGitHubSim({ port: 0 });
  bot = new Octokit({ baseUrl: sim.url, auth: SANDBOX_TOKENS.bot, log: quiet });
  tmp = await makeTempDir('blogtube-checkout-');
  await (await import('node:fs/promises')).chmod(tmp.dir, 0o755);
  projectSha = await pushProject(bot, repo, 'project');
});
afterAll(async () => {
  await sim.close();
  await tmp.cleanup();
});

describe('the simulator serves tarballs as GitHub does', () => {
  it('302 to the archive, whose top folder is <owner>-<repo>-<short sha>/', async () => {
    const res = await fetch(`${sim.url}/repos/blogtube/blogtube/tarball/project`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const location = res.headers.get('location') ?? '';
    expect(location).toBe(`${sim.url}/codeload/blogtube/blogtube/legacy.tar.gz/${projectSha}`);
    const archive = Buffer.from(await (await fetch(location)).arrayBuffer());
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const l = list({ onReadEntry: (e) => void names.push(e.path) });
      l.on('end', resolve).on('error', reject);
      l.end(archive);
    });
    const top = `blogtube-blogtube-${projectSha.slice(0, 7)}/`;
    expect(names.every((n) => n.startsWith(top))).toBe(true);
    expect(names).toContain(`${top}api/app.js`);
  });
});

describe('extraction', () => {
  it('refuses entries that would leave the tree, links out and special files', () => {
    expect(checkArchiveEntry('a/b.js', 'File')).toEqual({ ok: true });
    expect(checkArchiveEntry('../x', 'File').ok).toBe(false);
    expect(checkArchiveEntry('/etc/x', 'File').ok).toBe(false);
    expect(checkArchiveEntry('a/.git/config', 'File').ok).toBe(false);
    expect(checkArchiveEntry('a/l', 'SymbolicLink', '../b').ok).toBe(true);
    expect(checkArchiveEntry('a/l', 'SymbolicLink', '../../etc').ok).toBe(false);
    expect(checkArchiveEntry('a/l', 'SymbolicLink', '/etc/passwd').ok).toBe(false);
    for (const t of ['Link', 'CharacterDevice', 'BlockDevice', 'FIFO']) {
      expect(checkArchiveEntry('a/x', t).ok).toBe(false);
    }
  });

  it('skips symlinks out of the tree in a real archive, keeps the rest', async () => {
    const src = join(tmp.dir, 'evil-src');
    await mkdir(join(src, 'top/lib'), { recursive: true });
    await writeFile(join(src, 'top/lib/ok.js'), 'ok');
    await symlink('/etc/passwd', join(src, 'top/lib/passwd'));
    await symlink('ok.js', join(src, 'top/lib/inside'));
    await symlink('../../outside', join(src, 'top/lib/up'));
    const archivePath = join(tmp.dir, 'evil.tgz');
    await create({ gzip: true, cwd: src, file: archivePath }, ['top']);
    const out = join(tmp.dir, 'evil-out');
    await mkdir(out);
    const r = await extractArchive(await readFile(archivePath), out, { maxBytes: 1e6 });
    expect(r.skipped).toEqual([
      'lib/passwd: absolute link target',
      'lib/up: link target leaves the tree',
    ]);
    expect(await readFile(join(out, 'lib/inside'), 'utf8')).toBe('ok');
    await expect(extractArchive(await readFile(archivePath), out, { maxBytes: 1 })).rejects.toThrow(
      /more than 1 bytes/,
    );
  });
});

describe('workspaces', () => {
  it('two workspaces from one head download the tarball once', async () => {
    const github = new Octokit({ baseUrl: sim.url, auth: SANDBOX_TOKENS.bot, log: quiet });
    const { store } = await WorkspaceStore.open(join(tmp.dir, 'root-a'), github);
    await fetch(`${sim.url}/_sim/requests`, { method: 'DELETE' });
    const [a, b] = await Promise.all([
      store.create('agent-backend', repo, projectSha),
      store.create('agent-frontend', repo, projectSha),
    ]);
    const c = await store.create('agent-docs', repo, projectSha);
    const log = await requestLog();
    expect(log.filter((r) => r.path.includes('/tarball/'))).toHaveLength(1);
    expect(log.filter((r) => r.path.includes('/codeload/'))).toHaveLength(1);
    expect(store.cache.downloads).toBe(1);
    // Private copies: an edit in one is not seen in another.
    await writeFile(join(a.checkout, 'README.md'), 'changed');
    expect(await readFile(join(b.checkout, 'README.md'), 'utf8')).toMatch(/^# BlogTube/);
    expect(await filesUnder(c.checkout)).toEqual(await filesUnder(b.checkout));
    await store.remove('agent-docs');
    expect(await store.list()).toEqual(['agent-backend', 'agent-frontend']);
  });

  it("a new worker removes a crashed predecessor's leftovers and refuses a live owner's root", async () => {
    const github = new Octokit({ baseUrl: sim.url, log: quiet });
    const root = join(tmp.dir, 'root-b');
    const first = await WorkspaceStore.open(root, github);
    await first.store.create('agent-1', repo, projectSha);
    await mkdir(join(root, 'cache/blogtube/blogtube', `${projectSha}.partial-1-1`));
    await mkdir(join(root, 'setup', `${'a'.repeat(64)}.partial-1-1`));
    await writeFile(join(root, 'worker.pid'), '999999999\n'); // the dead predecessor
    const second = await WorkspaceStore.open(root, github);
    expect(second.leftovers).toEqual({ workspaces: 1, partialTrees: 1, partialSetups: 1 });
    expect(await second.store.list()).toEqual([]);
    await writeFile(join(root, 'worker.pid'), '1\n'); // a live process (init)
    await expect(WorkspaceStore.open(root, github)).rejects.toThrow(
      /belongs to the running process 1/,
    );
  });

  it('checks out the sandbox project and runs its own test suite green in the sandbox', async () => {
    const github = new Octokit({ baseUrl: sim.url, log: quiet });
    const { store } = await WorkspaceStore.open(join(tmp.dir, 'root-c'), github);
    const dirs = await store.create('agent-tests', repo, projectSha);
    const cfg = parse(await readFile(join(dirs.checkout, '.github/blogtube.yml'), 'utf8')) as {
      workspace: unknown;
    };
    const ws = WorkspaceConfig.parse(cfg.workspace);
    expect(ws.setup).toBeDefined();
    expect(ws.test).toBeDefined();
    const setup = await runSandboxed(dirs, ws.setup as string, {
      limits: ws.limits,
      network: ws.network === 'all',
    });
    expect(setup).toMatchObject({ exitCode: 0 });
    const tests = await runSandboxed(dirs, ws.test as string, { limits: ws.limits });
    expect(tests.output).toMatch(/# pass [1-9]\d*\n# fail 0/);
    expect(tests.exitCode).toBe(0);
  });
});
