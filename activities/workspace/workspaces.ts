/**
 * This worker's workspaces: each a private copy of a cached tree (checkout.ts)
 * plus a home and a `/tmp` for its commands, under one root:
 *
 *   <root>/worker.pid            the live worker that owns the root
 *   <root>/cache/<o>/<r>/<sha>/  extracted trees, shared
 *   <root>/setup/<key>/          setup results reused across workspaces (setup-cache.ts)
 *   <root>/ws/<id>/{checkout,home,tmp}
 *   <root>/bin/sandbox-sh        the sandbox sessions' executor shell (sandbox-session.ts)
 *
 * A worker opens its root at start: it refuses a root another live process
 * holds, and removes what a crashed predecessor left (workspaces, partial
 * trees, half-stored setup results). Workspace ids are chosen by the caller (the agent's workflow id).
 */
import { spawn } from 'node:child_process';
import { chown, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Octokit } from '@octokit/rest';
import { TreeCache, type RepoRef } from './checkout.js';
import { sandboxOwner, type WorkspaceDirs } from './sandbox.js';
import { SetupCache, type SetupCacheOptions } from './setup-cache.js';

const ID = /^[A-Za-z0-9_.-]{1,200}$/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `cp -a` (ownership, modes, links kept; reflinks where the filesystem has them). */
function copyTree(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const cp = spawn('cp', ['-a', '--reflink=auto', `${from}/.`, to], { stdio: 'ignore' });
    cp.once('error', reject);
    cp.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`cp exited ${code}`))));
  });
}

export interface Leftovers {
  workspaces: number;
  partialTrees: number;
  partialSetups: number;
}

export interface StoreOptions {
  /** Cached trees kept (default 16). */
  cacheTrees?: number;
  /** Bounds of the setup cache. */
  setup?: SetupCacheOptions;
}

export class WorkspaceStore {
  readonly cache: TreeCache;
  readonly setup: SetupCache;
  private readonly owner = sandboxOwner();

  private constructor(
    readonly root: string,
    github: Octokit,
    opts: StoreOptions,
  ) {
    this.cache = new TreeCache(github, {
      dir: join(root, 'cache'),
      maxTrees: opts.cacheTrees,
      owner: this.owner,
    });
    this.setup = new SetupCache(join(root, 'setup'), opts.setup);
  }

  /**
   * Takes `root` for this process and removes a crashed predecessor's
   * leftovers. Throws when another live process holds it.
   */
  static async open(
    root: string,
    github: Octokit,
    opts: StoreOptions = {},
  ): Promise<{ store: WorkspaceStore; leftovers: Leftovers }> {
    for (const d of ['ws', 'cache', 'setup']) await mkdir(join(root, d), { recursive: true });
    const pidFile = join(root, 'worker.pid');
    const holder = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (holder > 0 && holder !== process.pid && pidAlive(holder)) {
      throw new Error(`workspace root ${root} belongs to the running process ${holder}`);
    }
    await writeFile(pidFile, `${process.pid}\n`);
    const store = new WorkspaceStore(root, github, opts);
    const leftovers = await store.removeAll();
    return {
      store,
      leftovers: {
        ...leftovers,
        partialTrees: await store.cache.removePartials(),
        partialSetups: await store.setup.removePartials(),
      },
    };
  }

  dirs(id: string): WorkspaceDirs {
    if (!ID.test(id) || id === '.' || id === '..') throw new Error('bad workspace id');
    const root = join(this.root, 'ws', id);
    return {
      root,
      checkout: join(root, 'checkout'),
      home: join(root, 'home'),
      tmp: join(root, 'tmp'),
    };
  }

  async exists(id: string): Promise<boolean> {
    return stat(this.dirs(id).checkout).then(
      () => true,
      () => false,
    );
  }

  /** A new workspace `id` holding the tree of `sha` (an existing one is replaced). */
  async create(id: string, ref: RepoRef, sha: string): Promise<WorkspaceDirs> {
    const dirs = this.dirs(id);
    const tree = await this.cache.tree(ref, sha);
    await rm(dirs.root, { recursive: true, force: true });
    for (const d of [dirs.root, dirs.checkout, dirs.home, dirs.tmp]) await mkdir(d);
    await copyTree(tree, dirs.checkout);
    if (this.owner) {
      for (const d of [dirs.root, dirs.checkout, dirs.home, dirs.tmp]) {
        await chown(d, this.owner.uid, this.owner.gid);
      }
    }
    return dirs;
  }

  /** Hands a file the worker wrote (an edit) to the sandbox user. */
  async own(path: string): Promise<void> {
    if (this.owner) await chown(path, this.owner.uid, this.owner.gid);
  }

  async remove(id: string): Promise<void> {
    await rm(this.dirs(id).root, { recursive: true, force: true });
  }

  /** Every workspace under the root (at start: a crashed predecessor's). */
  async list(): Promise<string[]> {
    return (await readdir(join(this.root, 'ws')).catch(() => [])).filter((n) => ID.test(n));
  }

  private async removeAll(): Promise<{ workspaces: number }> {
    const ids = await this.list();
    for (const id of ids) await this.remove(id);
    return { workspaces: ids.length };
  }
}
