/**
 * Source archives. `GET /repos/{o}/{r}/tarball/{ref}` answers as GitHub does:
 * a 302 to the archive on the download host (codeload), here a path of the
 * simulator itself. The archive is a gzipped tar whose single top folder is
 * `<owner>-<repo>-<7-digit sha>/`, made by node-tar from the commit's tree.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create } from 'tar';
import { notFound, type Reply } from '../http.js';
import { repoRoute, type Route } from '../router.js';
import type { Repo } from '../repo.js';

const REPO = '/repos/{owner}/{repo}';
/** Archives by commit sha (content-addressed, so never stale); a few kept. */
const archives = new Map<string, Buffer>();
const KEEP = 32;

function topFolder(repo: Repo, sha: string): string {
  return `${repo.owner.login}-${repo.name}-${sha.slice(0, 7)}`;
}

/** The gzipped tarball of a commit's tree. */
export function commitArchive(repo: Repo, sha: string): Buffer {
  const key = `${repo.fullName}@${sha}`;
  const cached = archives.get(key);
  if (cached) return cached;
  const commit = repo.git.commit(sha);
  if (!commit) throw notFound();
  const work = mkdtempSync(join(tmpdir(), 'github-sim-archive-'));
  try {
    const top = topFolder(repo, sha);
    mkdirSync(join(work, top));
    for (const [path, leaf] of repo.git.flatten(commit.tree)) {
      const file = join(work, top, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, repo.git.blob(leaf.sha) ?? Buffer.alloc(0));
      chmodSync(file, leaf.mode === '100755' ? 0o755 : 0o644);
    }
    const out = join(work, 'archive.tar.gz');
    create({ gzip: true, sync: true, cwd: work, file: out, portable: true }, [top]);
    const archive = readFileSync(out);
    archives.set(key, archive);
    if (archives.size > KEEP) archives.delete(archives.keys().next().value as string);
    return archive;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export const archiveRoutes: Route[] = [
  repoRoute(
    'GET',
    `${REPO}/tarball/{ref}`,
    'read',
    (ctx) => {
      const ref = ctx.params.ref || ctx.repo.defaultBranch;
      const commit = ctx.repo.resolveCommit(ref);
      if (!commit) throw notFound();
      const { owner, name } = { owner: ctx.repo.owner.login, name: ctx.repo.name };
      return {
        status: 302,
        body: Buffer.alloc(0),
        headers: {
          location: `${ctx.origin}/codeload/${owner}/${name}/legacy.tar.gz/${commit.sha}`,
          'content-type': 'text/html;charset=utf-8',
        },
      };
    },
    'rest',
  ),
];

/** The download host's route (not part of the REST API, so not in its OpenAPI description). */
export const downloadRoutes: Route[] = [
  repoRoute('GET', '/codeload/{owner}/{repo}/legacy.tar.gz/{sha}', 'read', (ctx): Reply => {
    const commit = ctx.repo.git.commit(ctx.params.sha ?? '');
    if (!commit) throw notFound();
    const top = topFolder(ctx.repo, commit.sha);
    return {
      status: 200,
      body: commitArchive(ctx.repo, commit.sha),
      headers: {
        'content-type': 'application/x-gzip',
        'content-disposition': `attachment; filename=${top}.tar.gz`,
        etag: `"${commit.sha}"`,
      },
    };
  }),
];
