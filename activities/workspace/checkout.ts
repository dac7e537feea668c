/**
 * A repository's tree at one commit, on this worker's disk: the tarball
 * (`GET /repos/{o}/{r}/tarball/{sha}`, which GitHub answers with a redirect to
 * the archive; Octokit follows it) extracted safely with node-tar into a cache
 * keyed by (repository, commit sha). Concurrent requests for one key share a
 * single download; a finished tree is renamed into place atomically, so a
 * crash never leaves a half tree that looks complete.
 */
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Octokit } from '@octokit/rest';
import { x as extract, type ReadEntry } from 'tar';
import { checkArchiveEntry } from './pure/archive-entry.js';

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface TreeCacheOptions {
  /** Directory holding the cached trees (one per repository and sha). */
  dir: string;
  /** Trees kept; the least recently used go first. Default 16. */
  maxTrees?: number;
  /** Largest archive, extracted, in bytes. Default 1 GiB. */
  maxBytes?: number;
  /** Owner given to extracted files (the sandbox user when the worker is root). */
  owner?: { uid: number; gid: number };
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

function checkName(kind: string, value: string): string {
  if (!NAME.test(value) || value === '.' || value === '..') throw new Error(`bad ${kind} name`);
  return value;
}

/** Downloads the gzipped tarball of `sha` (Octokit follows GitHub's 302 to the archive). */
export async function downloadTarball(github: Octokit, ref: RepoRef, sha: string): Promise<Buffer> {
  const res = await github.rest.repos.downloadTarballArchive({ ...ref, ref: sha });
  const data = res.data as unknown;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  throw new Error(`tarball of ${ref.owner}/${ref.repo}@${sha} came back as ${typeof data}`);
}

/**
 * Extracts a repository archive into `dir` (which must exist), dropping the
 * top folder. Unsafe entries are skipped and reported; a tree over `maxBytes`
 * fails.
 */
export async function extractArchive(
  archive: Buffer,
  dir: string,
  opts: { maxBytes: number; owner?: { uid: number; gid: number } },
): Promise<{ files: number; bytes: number; skipped: string[] }> {
  let bytes = 0;
  let files = 0;
  const skipped: string[] = [];
  let tooBig = false;
  const unpack = extract({
    cwd: dir,
    strip: 1,
    strict: true,
    preservePaths: false,
    ...(opts.owner ? { uid: opts.owner.uid, gid: opts.owner.gid, preserveOwner: false } : {}),
    filter: (path: string, entry) => {
      const e = entry as ReadEntry;
      const inTree = path.split('/').slice(1).join('/'); // as `strip: 1` will write it
      if (inTree === '') return e.type === 'Directory';
      const verdict = checkArchiveEntry(inTree, e.type, e.linkpath);
      if (!verdict.ok) {
        skipped.push(`${inTree}: ${verdict.reason}`);
        return false;
      }
      bytes += e.size ?? 0;
      if (bytes > opts.maxBytes) tooBig = true;
      if (tooBig) return false;
      if (e.type !== 'Directory') files += 1;
      return true;
    },
  });
  await new Promise<void>((resolve, reject) => {
    unpack.on('error', reject);
    unpack.on('close', resolve);
    unpack.end(archive);
  });
  if (tooBig) throw new Error(`the archive holds more than ${opts.maxBytes} bytes`);
  return { files, bytes, skipped };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Extracted trees by (repository, sha), shared by this worker's workspaces. */
export class TreeCache {
  private readonly inflight = new Map<string, Promise<string>>();
  /** Downloads done (for the bench and tests). */
  downloads = 0;

  constructor(
    private readonly github: Octokit,
    private readonly opts: TreeCacheOptions,
  ) {}

  /** Path of the cached tree of `sha`, downloading and extracting it on a miss. */
  async tree(ref: RepoRef, sha: string): Promise<string> {
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error('a tree is cached by full commit sha');
    const dir = join(
      this.opts.dir,
      checkName('owner', ref.owner),
      checkName('repo', ref.repo),
      sha,
    );
    const key = dir;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const work = this.fill(ref, sha, dir).finally(() => this.inflight.delete(key));
    this.inflight.set(key, work);
    return work;
  }

  private async fill(ref: RepoRef, sha: string, dir: string): Promise<string> {
    if (await exists(dir)) {
      const now = new Date();
      await utimes(dir, now, now); // recently used
      return dir;
    }
    const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
    await mkdir(partial, { recursive: true });
    try {
      const archive = await downloadTarball(this.github, ref, sha);
      this.downloads += 1;
      await extractArchive(archive, partial, {
        maxBytes: this.opts.maxBytes ?? 1024 ** 3,
        owner: this.opts.owner,
      });
      await rename(partial, dir).catch(async (err: NodeJS.ErrnoException) => {
        // Another process finished the same tree first: keep theirs.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        await rm(partial, { recursive: true, force: true });
      });
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw err;
    }
    const now = new Date();
    await utimes(dir, now, now); // node-tar gave it the archive's date
    await this.evict(dir);
    return dir;
  }

  /** Drops the least recently used trees past `maxTrees` (never `keep`). */
  private async evict(keep: string): Promise<void> {
    const max = this.opts.maxTrees ?? 16;
    const trees: { path: string; used: number }[] = [];
    for (const owner of await readdir(this.opts.dir).catch(() => [])) {
      for (const repo of await readdir(join(this.opts.dir, owner)).catch(() => [])) {
        for (const sha of await readdir(join(this.opts.dir, owner, repo)).catch(() => [])) {
          if (!/^[0-9a-f]{40}$/.test(sha)) continue;
          const path = join(this.opts.dir, owner, repo, sha);
          const st = await stat(path).catch(() => undefined);
          if (st) trees.push({ path, used: st.mtimeMs });
        }
      }
    }
    trees.sort((a, b) => b.used - a.used);
    for (const t of trees.slice(max)) {
      if (t.path !== keep) await rm(t.path, { recursive: true, force: true });
    }
  }

  /** Removes half-extracted trees a crashed predecessor left. */
  async removePartials(): Promise<number> {
    let removed = 0;
    for (const owner of await readdir(this.opts.dir).catch(() => [])) {
      for (const repo of await readdir(join(this.opts.dir, owner)).catch(() => [])) {
        for (const name of await readdir(join(this.opts.dir, owner, repo)).catch(() => [])) {
          if (!name.includes('.partial-')) continue;
          await rm(join(this.opts.dir, owner, repo, name), { recursive: true, force: true });
          removed += 1;
        }
      }
    }
    return removed;
  }
}
