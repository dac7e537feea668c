/**
 * What a workspace's setup command produced, kept on the worker and restored
 * into later workspaces of the same repository instead of running setup again.
 *
 * An entry's key is the repository, the setup command, its network policy and
 * the content of the files setup depends on (`workspace.setup_inputs`,
 * lockfiles by default), as they are in the checkout when setup would run.
 * An entry holds the paths setup created in the checkout (`node_modules/`, …)
 * and the whole home it left. It is stored only when setup succeeded and
 * created files without changing or deleting any file that was there before
 * (otherwise restoring it could undo an agent's edit): such a setup simply
 * runs every time. Nor is a setup kept that ran on a checkout holding an
 * agent's edits (a rebuilt workspace): what it made of them is not shared. A restore is refused (setup runs) when a path the entry
 * would restore already exists in the new checkout.
 *
 *   <root>/<key>/{manifest.json,checkout/,home/}
 *
 * Concurrency: one process owns the root (the workspace store's pid file);
 * inside it, workspaces wanting the same key while its setup runs wait for
 * that setup and then restore its result. An entry is built under a
 * `.partial-` name and renamed into place, so a crash never leaves a half
 * entry that looks complete; the partials are removed at start. Disk is
 * bounded: the least recently used entries go past `maxEntries` or
 * `maxBytes`, never one being restored; an entry larger than `maxBytes` is not kept.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import {
  lstat,
  mkdir,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch/posix.js';
import type { RepoRef } from './checkout.js';
import type { WorkspaceDirs } from './sandbox.js';

export interface SetupCacheOptions {
  /** Entries kept at most (default 8). */
  maxEntries?: number;
  /** Bytes of all entries together at most (default 4 GiB); 0 keeps nothing. */
  maxBytes?: number;
}

/** What decides whether an earlier setup result may be reused. */
export interface SetupKeyInput {
  ref: RepoRef;
  command: string;
  network: boolean;
  /** Globs of the files setup depends on, relative to the checkout. */
  inputs: readonly string[];
}

/** The outcome of a setup that ran, as far as the cache needs it. */
export interface SetupRun {
  exitCode: number;
  killed?: string;
}

export type SetupOutcome<R extends SetupRun> =
  | { reused: true; durationMs: number }
  | { reused: false; result: R; stored: boolean; why?: string };

export interface Entry {
  kind: 'file' | 'dir' | 'link' | 'other';
  size: number;
  mtimeMs: number;
}

interface Manifest {
  /** Top paths setup created in the checkout (each restored whole). */
  created: string[];
  bytes: number;
}

const KEY = /^[0-9a-f]{64}$/;

function kindOf(d: Dirent): Entry['kind'] {
  if (d.isSymbolicLink()) return 'link';
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  return 'other';
}

/** Every entry under `dir` by relative path (symlinks not followed, `.git` skipped). */
async function walk(dir: string): Promise<Map<string, Entry>> {
  const found = new Map<string, Entry>();
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(rel ? join(dir, rel) : dir, { withFileTypes: true });
    for (const d of entries) {
      if (!rel && d.name === '.git') continue;
      const path = rel ? `${rel}/${d.name}` : d.name;
      const st = await lstat(join(dir, path));
      const kind = kindOf(d);
      found.set(path, { kind, size: st.size, mtimeMs: st.mtimeMs });
      if (kind === 'dir') await visit(path);
    }
  };
  await visit('');
  return found;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** `cp -a` of `paths` (relative to `from`) into `to`, keeping their relative place. */
function copyInto(from: string, paths: readonly string[], to: string): Promise<void> {
  if (paths.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cp = spawn('cp', ['-a', '--reflink=auto', '--parents', '--', ...paths, to], {
      cwd: from,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    cp.stderr.on('data', (b: Buffer) => {
      if (err.length < 2000) err += b.toString();
    });
    cp.once('error', reject);
    cp.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`cp exited ${code}: ${err.trim()}`)),
    );
  });
}

async function childrenOf(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The key of a setup: repository, command, network and the content of the
 * input files found in `checkout` (their paths and bytes; a symlink by its target).
 */
export async function setupKey(checkout: string, input: SetupKeyInput): Promise<string> {
  const matchers = input.inputs.map((g) => picomatch(g, { dot: true }));
  const files = [...(await walk(checkout))]
    .filter(([path, e]) => e.kind !== 'dir' && matchers.some((m) => m(path)))
    .map(([path, e]) => ({ path, kind: e.kind }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const h = createHash('sha256');
  h.update(
    JSON.stringify([
      input.ref.owner.toLowerCase(),
      input.ref.repo.toLowerCase(),
      input.command,
      input.network,
    ]),
  );
  for (const f of files) {
    const full = join(checkout, f.path);
    const body = f.kind === 'link' ? Buffer.from(await readlink(full)) : await readFile(full);
    h.update(`\0${f.path}\0${createHash('sha256').update(body).digest('hex')}`);
  }
  return h.digest('hex');
}

/**
 * What setup did to `checkout` given the walk before it: the top paths it
 * created, their bytes, and why its result cannot be reused if it changed or
 * deleted a file that was there.
 */
export function setupEffects(
  before: ReadonlyMap<string, Entry>,
  after: ReadonlyMap<string, Entry>,
): { created: string[]; bytes: number; changed?: string } {
  for (const [path, was] of before) {
    const now = after.get(path);
    if (!now) return { created: [], bytes: 0, changed: `setup deleted ${path}` };
    if (
      now.kind !== was.kind ||
      (was.kind !== 'dir' && (now.size !== was.size || now.mtimeMs !== was.mtimeMs))
    ) {
      return { created: [], bytes: 0, changed: `setup changed ${path}` };
    }
  }
  const created: string[] = [];
  let bytes = 0;
  for (const [path, e] of after) {
    if (before.has(path)) continue;
    bytes += e.kind === 'dir' ? 0 : e.size;
    const parent = parentOf(path);
    if (parent === '' || before.has(parent)) created.push(path);
  }
  return { created: created.sort(), bytes };
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const e of (await walk(dir)).values()) if (e.kind !== 'dir') total += e.size;
  return total;
}

export class SetupCache {
  /** Setups running now, by key: later workspaces of that key wait for them. */
  private readonly running = new Map<string, Promise<unknown>>();
  /** Entries being restored now (never evicted meanwhile). */
  private readonly restoring = new Map<string, number>();
  /** Restores done and setups run (for the bench and tests). */
  readonly counts = { reused: 0, ran: 0, stored: 0 };

  constructor(
    readonly dir: string,
    private readonly opts: SetupCacheOptions = {},
  ) {}

  private get maxBytes(): number {
    return this.opts.maxBytes ?? 4 * 1024 ** 3;
  }

  /**
   * Makes `dirs` as if `setup` had run in it: restores a stored result of the
   * same key, or runs `setup` and stores what it created when it succeeded.
   */
  async prepare<R extends SetupRun>(
    dirs: WorkspaceDirs,
    input: SetupKeyInput,
    setup: () => Promise<R>,
    /** False: reuse a stored result, but keep none of this setup (a checkout with an agent's edits). */
    keep = true,
  ): Promise<SetupOutcome<R>> {
    const key = await setupKey(dirs.checkout, input);
    for (;;) {
      const pending = this.running.get(key);
      if (!pending) break;
      await pending.catch(() => undefined);
    }
    // No await between the wait and the claim: one restore-or-setup per key at a time.
    const work = (async (): Promise<SetupOutcome<R>> => {
      const started = Date.now();
      if (await this.restore(key, dirs)) {
        this.counts.reused += 1;
        return { reused: true, durationMs: Date.now() - started };
      }
      return this.runAndStore(key, dirs, setup, keep);
    })();
    this.running.set(key, work);
    try {
      return await work;
    } finally {
      this.running.delete(key);
    }
  }

  private async runAndStore<R extends SetupRun>(
    key: string,
    dirs: WorkspaceDirs,
    setup: () => Promise<R>,
    keep: boolean,
  ): Promise<SetupOutcome<R>> {
    const before = this.maxBytes > 0 && keep ? await walk(dirs.checkout) : undefined;
    const result = await setup();
    this.counts.ran += 1;
    if (!before) {
      const why = keep ? 'the setup cache is off' : 'the checkout holds edits';
      return { reused: false, result, stored: false, why };
    }
    if (result.exitCode !== 0 || result.killed) {
      return { reused: false, result, stored: false, why: 'setup failed' };
    }
    const why = await this.store(key, dirs, before).catch(
      (err: Error) => `not stored: ${err.message}`,
    );
    if (why) return { reused: false, result, stored: false, why };
    this.counts.stored += 1;
    return { reused: false, result, stored: true };
  }

  /** Stores what setup created; answers why not when it did not. */
  private async store(
    key: string,
    dirs: WorkspaceDirs,
    before: ReadonlyMap<string, Entry>,
  ): Promise<string | undefined> {
    const effects = setupEffects(before, await walk(dirs.checkout));
    if (effects.changed) return effects.changed;
    const bytes = effects.bytes + (await bytesUnder(dirs.home));
    if (bytes > this.maxBytes) return `its result (${bytes} bytes) is larger than the cache`;
    const final = join(this.dir, key);
    const partial = `${final}.partial-${process.pid}-${Date.now()}`;
    await mkdir(join(partial, 'checkout'), { recursive: true });
    await mkdir(join(partial, 'home'), { recursive: true });
    try {
      await copyInto(dirs.checkout, effects.created, join(partial, 'checkout'));
      await copyInto(dirs.home, await childrenOf(dirs.home), join(partial, 'home'));
      const manifest: Manifest = { created: effects.created, bytes };
      await writeFile(join(partial, 'manifest.json'), JSON.stringify(manifest));
      await rm(final, { recursive: true, force: true });
      await rename(partial, final);
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw err;
    }
    await this.evict(key);
    return undefined;
  }

  /** Restores entry `key` into `dirs`; false when there is none or it would overwrite a file. */
  private async restore(key: string, dirs: WorkspaceDirs): Promise<boolean> {
    const entry = join(this.dir, key);
    this.restoring.set(key, (this.restoring.get(key) ?? 0) + 1);
    try {
      const manifest = await readFile(join(entry, 'manifest.json'), 'utf8')
        .then((t) => JSON.parse(t) as Manifest)
        .catch(() => undefined);
      if (!manifest) return false;
      for (const p of manifest.created) if (await exists(join(dirs.checkout, p))) return false;
      const now = new Date();
      await utimes(entry, now, now); // recently used
      try {
        await copyInto(join(entry, 'checkout'), manifest.created, dirs.checkout);
        await copyInto(join(entry, 'home'), await childrenOf(join(entry, 'home')), dirs.home);
      } catch {
        // A damaged entry: undo the partial restore, drop the entry, run setup instead.
        for (const p of manifest.created)
          await rm(join(dirs.checkout, p), { recursive: true, force: true });
        for (const p of await childrenOf(dirs.home))
          await rm(join(dirs.home, p), { recursive: true, force: true });
        await rm(entry, { recursive: true, force: true });
        return false;
      }
      return true;
    } finally {
      const n = (this.restoring.get(key) ?? 1) - 1;
      if (n > 0) this.restoring.set(key, n);
      else this.restoring.delete(key);
    }
  }

  /** Drops the least recently used entries past the bounds (never `keep` or one being restored). */
  private async evict(keep: string): Promise<void> {
    const entries: { key: string; used: number; bytes: number }[] = [];
    for (const name of await childrenOf(this.dir)) {
      if (!KEY.test(name)) continue;
      const st = await stat(join(this.dir, name)).catch(() => undefined);
      const manifest = await readFile(join(this.dir, name, 'manifest.json'), 'utf8')
        .then((t) => JSON.parse(t) as Manifest)
        .catch(() => undefined);
      if (st && manifest) entries.push({ key: name, used: st.mtimeMs, bytes: manifest.bytes });
    }
    entries.sort((a, b) => (a.key === keep ? -1 : b.key === keep ? 1 : b.used - a.used));
    const maxEntries = this.opts.maxEntries ?? 8;
    let total = 0;
    for (const [i, e] of entries.entries()) {
      total += e.bytes;
      const over = i >= maxEntries || total > this.maxBytes;
      if (over && e.key !== keep && !this.restoring.has(e.key)) {
        await rm(join(this.dir, e.key), { recursive: true, force: true });
        total -= e.bytes;
      }
    }
  }

  /** Removes half-built entries a crashed predecessor left. */
  async removePartials(): Promise<number> {
    let removed = 0;
    for (const name of await childrenOf(this.dir)) {
      if (!name.includes('.partial-')) continue;
      await rm(join(this.dir, name), { recursive: true, force: true });
      removed += 1;
    }
    return removed;
  }
}
