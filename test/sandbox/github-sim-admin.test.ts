/**
 * GitHub simulator admin API (`/_sim/`): reset, state, files, log, request log,
 * latency, faults and the seeded PRNG; plus unknown routes and malformed input.
 */
import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { SANDBOX_TOKENS, startGitHubSim } from '../../sandbox/github/server.js';
import { SIM_REPO, useGitHubSim } from '../support/sims.js';

const repo = SIM_REPO;
// Reset through the admin API before each test (below), which is what this file tests.
const github = useGitHubSim({ seed: 42 }, { reset: false });
let bot: Octokit;

async function admin<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; data: T }> {
  const res = await fetch(`${github.sim.url}/_sim/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T };
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    const e = err as {
      status: number;
      response: { headers: Record<string, string>; data: { message: string } };
    };
    return { status: e.status, headers: e.response.headers, message: e.response.data.message };
  }
  throw new Error('expected the request to fail');
}

interface State {
  branches: Record<string, string>;
  issues: { number: number; title: string; pull_request: boolean }[];
  comments: { issue_number: number; body: string; user: string }[];
  pulls: { number: number; head: string; draft: boolean }[];
  commits: { sha: string; message: string; parents: string[] }[];
}

beforeAll(() => {
  bot = github.as(SANDBOX_TOKENS.bot);
});
beforeEach(async () => {
  expect((await admin('POST', 'reset')).status).toBe(200);
});

describe('state, files, log and reset', () => {
  it('summarises the repository and resets it to the seed', async () => {
    const seeded = (await admin<State>('GET', 'state?repo=blogtube/blogtube')).data;
    expect(Object.keys(seeded.branches)).toEqual(['main']);
    expect(seeded.commits).toHaveLength(2);
    expect(seeded.issues).toEqual([]);

    const { data: issue } = await bot.issues.create({ ...repo, title: 'Tags' });
    await bot.issues.createComment({ ...repo, issue_number: issue.number, body: 'on it' });
    await bot.git.createRef({ ...repo, ref: 'refs/heads/x', sha: seeded.branches.main! });
    const changed = (await admin<State>('GET', 'state')).data;
    expect(changed.issues).toMatchObject([{ number: 1, title: 'Tags', pull_request: false }]);
    expect(changed.comments).toMatchObject([
      { issue_number: 1, body: 'on it', user: 'sandbox-bot' },
    ]);
    expect(Object.keys(changed.branches).sort()).toEqual(['main', 'x']);

    expect((await admin('POST', 'reset')).data).toEqual({ ok: true });
    expect((await admin<State>('GET', 'state')).data).toEqual(seeded);
    expect((await admin('GET', 'state?repo=nobody/nothing')).status).toBe(404);
  });

  it('is deterministic: every simulator seeds the same SHAs and ids', async () => {
    const other = await startGitHubSim({ port: 0 });
    try {
      const mine = (await admin<State>('GET', 'state')).data;
      const res = await fetch(`${other.url}/_sim/state`);
      expect(await res.json()).toEqual(mine);
      expect(other.store.repo('blogtube', 'blogtube')?.branchSha('main')).toBe(mine.branches.main);
    } finally {
      await other.close();
    }
  });

  it('returns files at a ref and the first-parent log with changed paths', async () => {
    const files = (
      await admin<Record<string, string>>('GET', 'repos/blogtube/blogtube/files?ref=main')
    ).data;
    expect(files['AGENTS.md']).toContain('coding agents');
    const log = (
      await admin<
        { sha: string; message: string; parents: string[]; files_changed: string[]; date: string }[]
      >('GET', 'repos/blogtube/blogtube/log?ref=main')
    ).data;
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ parents: [log[1]!.sha], date: '2025-01-07T10:30:00Z' });
    expect(log[0]!.files_changed).toContain('.github/blogtube.yml');
    expect(log[1]!.files_changed).toContain('db/store.js');
    expect((await admin('GET', 'repos/blogtube/blogtube/files?ref=nope')).status).toBe(404);
  });

  it('logs API requests (not admin ones) and clears the log', async () => {
    await admin('DELETE', 'requests');
    await bot.repos.get(repo);
    await failure(bot.issues.get({ ...repo, issue_number: 9 }));
    const { data } = await admin<
      { method: string; path: string; status: number; user: string | null }[]
    >('GET', 'requests');
    expect(data).toMatchObject([
      { method: 'GET', path: '/repos/blogtube/blogtube', status: 200, user: 'sandbox-bot' },
      {
        method: 'GET',
        path: '/repos/blogtube/blogtube/issues/9',
        status: 404,
        user: 'sandbox-bot',
      },
    ]);
    expect((await admin('DELETE', 'requests')).status).toBe(204);
    expect((await admin('GET', 'requests')).data).toEqual([]);
  });
});

describe('faults', () => {
  it('injects a status with retry-after a given number of times', async () => {
    const rule = {
      method: 'GET',
      path: '^/repos/blogtube/blogtube/issues$',
      status: 502,
      count: 2,
      retryAfter: 3,
    };
    expect((await admin('POST', 'faults', { rules: [rule] })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const f = await failure(bot.issues.listForRepo(repo));
      expect(f).toMatchObject({ status: 502, message: 'Bad Gateway' });
      expect(f.headers['retry-after']).toBe('3');
    }
    expect((await bot.issues.listForRepo(repo)).status).toBe(200);
    expect((await bot.repos.get(repo)).status).toBe(200); // other paths unaffected
    const listed = (await admin<{ hits: number; remaining: number }[]>('GET', 'faults')).data;
    expect(listed).toMatchObject([{ hits: 2, remaining: 0 }]);
  });

  it('simulates a secondary rate limit', async () => {
    await admin('POST', 'faults', {
      rules: [{ path: '/issues', secondaryRateLimit: true, count: 1 }],
    });
    const f = await failure(bot.issues.create({ ...repo, title: 'x' }));
    expect(f.status).toBe(403);
    expect(f.message).toMatch(/^You have exceeded a secondary rate limit/);
    // As GitHub: named in the documentation link, no retry-after unless asked, quota not spent.
    expect(f.headers['retry-after']).toBeUndefined();
    expect(f.headers['x-ratelimit-remaining']).not.toBe('0');
    expect((await admin<State>('GET', 'state')).data.issues).toEqual([]); // not served
    expect((await bot.issues.create({ ...repo, title: 'x' })).status).toBe(201);
  });

  it('fires rate-based faults from the seeded PRNG, reproducibly', async () => {
    const pattern = async (): Promise<string> => {
      let out = '';
      for (let i = 0; i < 24; i++) {
        out += await bot.repos.get(repo).then(
          () => '.',
          () => 'x',
        );
      }
      return out;
    };
    await admin('POST', 'seed', { seed: 7 });
    await admin('POST', 'faults', { rules: [{ status: 500, rate: 0.5 }] });
    const first = await pattern();
    await admin('POST', 'seed', { seed: 7 });
    expect(await pattern()).toBe(first);
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
  });

  it('never faults the admin API; clears rules; validates them', async () => {
    await admin('POST', 'faults', { rules: [{ status: 503 }] });
    expect((await admin('GET', 'state')).status).toBe(200);
    expect((await failure(bot.repos.get(repo))).status).toBe(503);
    expect((await admin('DELETE', 'faults')).status).toBe(204);
    expect((await bot.repos.get(repo)).status).toBe(200);
    expect((await admin('POST', 'faults', { rules: [{ path: '(', status: 500 }] })).status).toBe(
      422,
    );
    expect((await admin('POST', 'faults', { rules: [{ path: 'x' }] })).status).toBe(422);
    expect((await admin('POST', 'faults', { rules: [{ status: 200 }] })).status).toBe(422);
  });
});

describe('latency', () => {
  it('delays API responses by the configured mean and jitter, until reset', async () => {
    const timed = async (): Promise<number> => {
      const started = performance.now();
      await bot.repos.get(repo);
      return performance.now() - started;
    };
    expect((await admin('POST', 'latency', { meanMs: 150, jitterMs: 20 })).data).toEqual({
      meanMs: 150,
      jitterMs: 20,
    });
    for (let i = 0; i < 3; i++) expect(await timed()).toBeGreaterThanOrEqual(125);
    const started = performance.now();
    await admin('GET', 'state');
    expect(performance.now() - started).toBeLessThan(100); // admin calls are not delayed
    await admin('POST', 'reset');
    expect(await timed()).toBeLessThan(100);
    expect((await admin('POST', 'latency', { meanMs: -1 })).status).toBe(422);
  });
});

describe('protocol edges', () => {
  it('answers unknown paths, wrong methods and unknown repos with 404 Not Found', async () => {
    const res = await fetch(`${github.sim.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    });
    expect(res.headers.get('x-ratelimit-limit')).toBe('60');
    expect(
      (await fetch(`${github.sim.url}/repos/blogtube/blogtube/issues`, { method: 'PUT' })).status,
    ).toBe(404);
    expect((await failure(bot.repos.get({ owner: 'blogtube', repo: 'other' }))).status).toBe(404);
    expect((await fetch(`${github.sim.url}/_sim/nope`)).status).toBe(404);
  });

  it('rejects malformed JSON with 400 Problems parsing JSON', async () => {
    const res = await fetch(`${github.sim.url}/repos/blogtube/blogtube/issues`, {
      method: 'POST',
      headers: { authorization: `token ${SANDBOX_TOKENS.bot}` },
      body: '{"title":',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe('Problems parsing JSON');
  });
});
