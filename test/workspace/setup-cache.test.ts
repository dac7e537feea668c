/**
 * Setup reuse across workspaces, through the real `workspaceCreate` activity
 * (in Temporal's activity environment), the GitHub simulator's tarballs and
 * real bubblewrap: the setup command writes a random stamp into the checkout
 * and the home, so a workspace whose stamp equals an earlier one got that
 * setup's result restored, and a new stamp means setup ran again.
 */
import { chmod, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { WorkspaceConfig } from '../../common/repo-config.js';
import {
  createWorkspaceActivities,
  type WorkspaceActivities,
  type WorkspaceCreated,
  type WorkspaceRunResult,
} from '../../activities/workspace/activities.js';
import { contentHash, type RecordedEdit } from '../../activities/workspace/pure/edits.js';
import { setupEffects, type Entry } from '../../activities/workspace/setup-cache.js';
import { WorkspaceStore } from '../../activities/workspace/workspaces.js';
import { adminCall } from '../../sandbox/admin-client.js';
import { commitFile } from '../../sandbox/github/maintainer.js';
import { SANDBOX_TOKENS, startGitHubSim, type GitHubSim } from '../../sandbox/github/server.js';
import { makeTempDir } from '../support/tmp.js';

const repo = { owner: 'setup', repo: 'blogtube' };
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
/** A random stamp in the checkout (under node_modules/) and in the home. */
const SETUP = [
  'mkdir -p node_modules/.stamp',
  'od -An -N8 -tx8 /dev/urandom | tr -d " " > node_modules/.stamp/id',
  'cp node_modules/.stamp/id "$HOME/.stamp"',
].join(' && ');

let sim: GitHubSim;
let bot: Octokit;
let tmp: { dir: string; cleanup: () => Promise<void> };
let store: WorkspaceStore;
let activities: WorkspaceActivities;
let counter = 0;

beforeAll(async () => {
  sim = await startGitHubSim({ port: 0 });
  await adminCall(sim.url, 'POST', '/_sim/repos', repo);
  bot = new Octokit({ baseUrl: sim.url, auth: SANDBOX_TOKENS.bot, log: quiet });
  tmp = await makeTempDir('blogtube-setup-cache-');
  await chmod(tmp.dir, 0o755);
  ({ store } = await WorkspaceStore.open(
    join(tmp.dir, 'root'),
    new Octokit({ baseUrl: sim.url, log: quiet }),
  ));
  activities = createWorkspaceActivities({
    store,
    octokit: bot,
    ownTaskQueue: 'ws/own',
    commands: true,
  });
});
afterAll(async () => {
  await sim.close();
  await tmp.cleanup();
});

interface Made {
  created: WorkspaceCreated;
  id: string;
  checkoutStamp: string;
  homeStamp: string;
}

async function workspace(
  setup = SETUP,
  extra: Partial<WorkspaceConfig> = {},
  edits: RecordedEdit[] = [],
): Promise<Made> {
  const id = `agent-${++counter}`;
  const created: WorkspaceCreated = await new MockActivityEnvironment().run(
    activities.workspaceCreate,
    {
      id,
      ref: repo,
      branch: 'main',
      edits,
      workspace: WorkspaceConfig.parse({ setup, network: 'none', ...extra }),
    },
  );
  const dirs = store.dirs(id);
  const read = (p: string) => readFile(p, 'utf8').then((t) => t.trim());
  return {
    created,
    id,
    checkoutStamp: await read(join(dirs.checkout, 'node_modules/.stamp/id')),
    homeStamp: await read(join(dirs.home, '.stamp')),
  };
}

describe('setup runs once per set of dependency files', () => {
  it('a second workspace of the repository gets the first one’s setup result restored', async () => {
    const ran = store.setup.counts.ran;
    const first = await workspace();
    expect(first.created.setup).toMatchObject({ exitCode: 0 });
    expect(first.created.setup?.reused).toBeUndefined();
    expect(first.checkoutStamp).toMatch(/^[0-9a-f]{16}$/);
    expect(first.homeStamp).toBe(first.checkoutStamp);

    const second = await workspace();
    expect(second.created.setup).toMatchObject({ exitCode: 0, reused: true });
    expect(second.checkoutStamp).toBe(first.checkoutStamp);
    expect(second.homeStamp).toBe(first.checkoutStamp);
    expect(store.setup.counts.ran - ran).toBe(1);
    // The restored files are the workspace's own: a command sees and may change them.
    const out: WorkspaceRunResult = await new MockActivityEnvironment().run(
      activities.workspaceRun,
      {
        id: second.id,
        command: 'cat node_modules/.stamp/id && echo more >> node_modules/.stamp/id',
        workspace: WorkspaceConfig.parse({}),
      },
    );
    expect(out.text).toContain(first.checkoutStamp);
    const third = await workspace();
    expect(third.checkoutStamp).toBe(first.checkoutStamp); // the entry was not touched
  });

  it('a commit that changes only other files still reuses it; a changed lockfile runs setup again', async () => {
    const before = await workspace();
    await commitFile(bot, repo, 'README.md', '# changed, not a dependency\n');
    const readme = await workspace();
    expect(readme.created.setup?.reused).toBe(true);
    expect(readme.checkoutStamp).toBe(before.checkoutStamp);

    await commitFile(bot, repo, 'package-lock.json', '{"lockfileVersion":3,"packages":{}}\n');
    const lock = await workspace();
    expect(lock.created.setup?.reused).toBeUndefined();
    expect(lock.checkoutStamp).not.toBe(before.checkoutStamp);
    const again = await workspace();
    expect(again.created.setup?.reused).toBe(true);
    expect(again.checkoutStamp).toBe(lock.checkoutStamp);
  });

  it('`setup_inputs` names the files that count; another command is another result', async () => {
    const inputs = { setup_inputs: ['deps.txt'] };
    const first = await workspace(SETUP, inputs);
    expect(first.created.setup?.reused).toBeUndefined();
    await commitFile(bot, repo, 'package-lock.json', '{"lockfileVersion":3}\n'); // not an input now
    expect((await workspace(SETUP, inputs)).checkoutStamp).toBe(first.checkoutStamp);
    await commitFile(bot, repo, 'deps.txt', 'left-pad\n');
    const changed = await workspace(SETUP, inputs);
    expect(changed.checkoutStamp).not.toBe(first.checkoutStamp);
    const other = await workspace(`${SETUP} && true`, inputs);
    expect(other.created.setup?.reused).toBeUndefined();
  });

  it('a rebuilt workspace (an agent’s edits replayed) reuses a result but stores none of its own', async () => {
    const text = '# notes\n';
    const edit: RecordedEdit = {
      op: { command: 'create', path: 'docs/notes.md', file_text: text },
      after: contentHash(text),
      bytes: text.length,
    };
    const fresh = `${SETUP} # rebuilt`;
    const edited = await workspace(fresh, {}, [edit]);
    expect(edited.created.setup?.reused).toBeUndefined();
    const plain = await workspace(fresh);
    expect(plain.created.setup?.reused).toBeUndefined(); // nothing was kept from the edited one
    expect(plain.checkoutStamp).not.toBe(edited.checkoutStamp);
    const rebuilt = await workspace(fresh, {}, [edit]);
    expect(rebuilt.created.setup?.reused).toBe(true);
    expect(rebuilt.checkoutStamp).toBe(plain.checkoutStamp);
  });

  it('workspaces asking at once share one setup run', async () => {
    await commitFile(bot, repo, 'package-lock.json', `{"lockfileVersion":3,"n":${Date.now()}}\n`);
    const ran = store.setup.counts.ran;
    const all = await Promise.all([workspace(), workspace(), workspace()]);
    expect(store.setup.counts.ran - ran).toBe(1);
    expect(new Set(all.map((w) => w.checkoutStamp)).size).toBe(1);
    expect(all.filter((w) => w.created.setup?.reused)).toHaveLength(2);
  });

  it('a failed setup, or one that changes a file of the repository, is not reused', async () => {
    const failing = `${SETUP} && exit 3`;
    const a = await workspace(failing);
    expect(a.created.setup?.exitCode).toBe(3);
    const b = await workspace(failing);
    expect(b.created.setup?.reused).toBeUndefined();
    expect(b.checkoutStamp).not.toBe(a.checkoutStamp);

    const touching = `${SETUP} && echo touched >> README.md`;
    const c = await workspace(touching);
    const d = await workspace(touching);
    expect(d.created.setup?.reused).toBeUndefined();
    expect(d.checkoutStamp).not.toBe(c.checkoutStamp);
  });
});

describe('what setup did to the checkout', () => {
  const f = (size: number, mtimeMs = 1): Entry => ({ kind: 'file', size, mtimeMs });
  const d: Entry = { kind: 'dir', size: 0, mtimeMs: 1 };
  it('created paths are reported by their top, with their bytes', () => {
    const before = new Map<string, Entry>([
      ['a.js', f(3)],
      ['lib', d],
    ]);
    const after = new Map([
      ...before,
      ['lib', { ...d, mtimeMs: 9 }],
      ['lib/gen.js', f(5)],
      ['node_modules', d],
      ['node_modules/x', d],
      ['node_modules/x/index.js', f(7)],
    ]);
    expect(setupEffects(before, after)).toEqual({
      created: ['lib/gen.js', 'node_modules'],
      bytes: 12,
    });
  });
  it('a changed or deleted file makes the result not reusable', () => {
    const before = new Map<string, Entry>([['a.js', f(3)]]);
    expect(setupEffects(before, new Map([['a.js', f(3, 2)]])).changed).toBe('setup changed a.js');
    expect(setupEffects(before, new Map()).changed).toBe('setup deleted a.js');
  });
});

describe('bounded disk', () => {
  it('keeps at most the configured entries, the least recently used dropped first', async () => {
    const { store: small } = await WorkspaceStore.open(
      join(tmp.dir, 'small'),
      new Octokit({ baseUrl: sim.url, log: quiet }),
      { setup: { maxEntries: 2 } },
    );
    const acts = createWorkspaceActivities({
      store: small,
      octokit: bot,
      ownTaskQueue: 'ws/small',
      commands: true,
    });
    const make = (n: number): Promise<WorkspaceCreated> =>
      new MockActivityEnvironment().run(acts.workspaceCreate, {
        id: `small-${n}-${++counter}`,
        ref: repo,
        branch: 'main',
        edits: [],
        workspace: WorkspaceConfig.parse({ setup: `${SETUP} # ${n}`, network: 'none' }),
      });
    for (const n of [1, 2, 3]) await make(n);
    expect((await readdir(small.setup.dir)).filter((n) => /^[0-9a-f]{64}$/.test(n))).toHaveLength(
      2,
    );
    expect((await make(3)).setup?.reused).toBe(true);
    expect((await make(1)).setup?.reused).toBeUndefined(); // evicted
  });
});
