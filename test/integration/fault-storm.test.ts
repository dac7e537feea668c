/**
 * Bad weather upstream. A storm of transient errors (30% 5xx, 10% 429 on both
 * simulators) is waited out by Temporal's retries: every run still ends with a
 * correct PR. A credential that is refused for good is not retried at all: the
 * run stops at once with a message naming the credential.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { WorkflowFailedError } from '@temporalio/client';
import { issueWorkflowId } from '../../common/ids.js';
import type { SimRequestRecord } from '../../sandbox/anthropic/state.js';
import type { LoggedRequest } from '../../sandbox/github/controls.js';
import { agentCommits, repoChecks } from '../support/repo-checks.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});

async function stackWith(opts: Parameters<typeof startStack>[0] = {}): Promise<Stack> {
  const s = await startStack(opts);
  stacks.push(s);
  return s;
}

const ISSUES = [
  {
    title: 'Add an API endpoint that lists playlists',
    body: 'The server needs GET /api/playlists returning the playlists as JSON.',
  },
  {
    title: 'Store playlists in the database and serve them from the API',
    body: 'Add a playlists table with a migration, and an API endpoint that returns them.',
  },
];

/** 10% 429 (retry-after 1 s), then 10% each of 500, 502 and 503: 40% of calls fail. */
const STORM = [
  { status: 429, rate: 0.1, retryAfter: 1 },
  { status: 500, rate: 0.1 / 0.9 },
  { status: 502, rate: 0.1 / 0.8 },
  { status: 503, rate: 0.1 / 0.7 },
];

describe('fault storm', () => {
  it('30% 5xx and 10% 429 on GitHub and Anthropic: all of 20 concurrent runs complete with correct PRs', async () => {
    const stack = await stackWith();
    // One repository per run: per-area leases serialize agents within a repository,
    // and this test is about retries under load, not about the leases.
    const repos = Array.from({ length: 20 }, (_, i) => `storm-${i}`);
    await Promise.all(repos.map((r) => stack.addRepo(r)));
    const opened = await Promise.all(
      repos.map(async (repo, i) => ({
        repo,
        ...(await stack.openIssue({ ...ISSUES[i % ISSUES.length]!, repo })),
      })),
    );
    expect(opened.filter((o) => o.status !== 201)).toEqual([]);
    await stack.sim('github', 'POST', '/_sim/seed', { seed: 20261125 });
    await stack.sim('anthropic', 'POST', '/_sim/seed', { seed: 20261125 });
    await stack.sim('github', 'POST', '/_sim/faults', { rules: STORM });
    await stack.sim('anthropic', 'POST', '/_sim/faults', { rules: STORM });

    const outcomes = await Promise.all(
      opened.map(async ({ number, repo }) => {
        const checks = repoChecks({ ...stack, repo });
        const { result, status } = await checks.finished(number);
        const commits = agentCommits(await checks.branchLog(number));
        return { number, repo, result, status, commits };
      }),
    );
    await stack.sim('github', 'DELETE', '/_sim/faults');
    await stack.sim('anthropic', 'DELETE', '/_sim/faults');

    for (const o of outcomes) {
      const checks = repoChecks({ ...stack, repo: o.repo });
      expect({ repo: o.repo, phase: o.result.phase }).toEqual({ repo: o.repo, phase: 'done' });
      expect([...o.commits.keys()].sort()).toEqual(o.status.agents.map((a) => a.agent).sort());
      expect([...o.commits].filter(([, c]) => c !== 1)).toEqual([]); // [agent, commits] if not one
      expect(await checks.pullsFor(o.number)).toHaveLength(1);
      expect(await checks.progressComments(o.number)).toHaveLength(1);
    }
    // The storm really happened on both sides.
    const gh = (await stack.sim('github', 'GET', '/_sim/requests')) as LoggedRequest[];
    const model = (await stack.sim('anthropic', 'GET', '/_sim/requests')) as SimRequestRecord[];
    const failedShare = (statuses: number[]) =>
      statuses.filter((s) => s === 429 || s >= 500).length / statuses.length;
    process.stderr.write(
      `[fault-storm] ${outcomes.length}/20 done; GitHub ${gh.length} requests, ${(failedShare(gh.map((r) => r.status)) * 100).toFixed(0)}% failed; Anthropic ${model.length} requests, ${(failedShare(model.map((r) => r.status)) * 100).toFixed(0)}% failed\n`,
    );
    expect(failedShare(gh.map((r) => r.status))).toBeGreaterThan(0.2);
    expect(failedShare(model.map((r) => r.status))).toBeGreaterThan(0.2);
  }, 900_000);

  it('each kind of fault once — stream cut mid-message, connection reset, 529, secondary rate limit, 502: the run completes', async () => {
    const stack = await stackWith();
    await stack.sim('anthropic', 'POST', '/_sim/faults', {
      rules: [
        { streamCut: true, count: 1 },
        { reset: true, count: 1 },
        { status: 529, count: 1, retryAfter: 1 },
      ],
    });
    await stack.sim('github', 'POST', '/_sim/faults', {
      rules: [
        { method: 'GET', path: '/issues/\\d+$', secondaryRateLimit: true, retryAfter: 1, count: 1 },
        { method: 'POST', path: '/git/trees$', status: 502, count: 1 },
      ],
    });
    const opened = await stack.openIssue(ISSUES[0]!);
    const checks = repoChecks(stack);
    const { result } = await checks.finished(opened.number);
    expect(result.phase).toBe('done');
    expect(await checks.pullsFor(opened.number)).toHaveLength(1);
    const calls = (await stack.sim('anthropic', 'GET', '/_sim/requests')) as SimRequestRecord[];
    expect(calls.filter((c) => c.fault === 'streamCut')).toHaveLength(1);
    expect(calls.filter((c) => c.fault === 'reset')).toHaveLength(1);
    expect(calls.filter((c) => c.status === 529)).toHaveLength(1);
    const gh = (await stack.sim('github', 'GET', '/_sim/requests')) as LoggedRequest[];
    expect(gh.filter((r) => r.status === 403 || r.status === 502)).toHaveLength(2);
    expect(agentCommits(await checks.branchLog(opened.number)).get('backend')).toBe(1);
  });

  it('a refused Anthropic key: one call per agent, no retry loop, the run fails naming the key and says so on the issue', async () => {
    const stack = await stackWith({ env: { ANTHROPIC_API_KEY: 'revoked-anthropic-key' } });
    const opened = await stack.openIssue(ISSUES[1]!);
    const checks = repoChecks(stack);
    const { result, status } = await checks.finished(opened.number);
    expect(result.phase).toBe('failed');
    expect(result.error).toMatch(/anthropic auth error \(HTTP 401\).*ANTHROPIC_API_KEY/);
    const calls = (await stack.sim('anthropic', 'GET', '/_sim/requests')) as SimRequestRecord[];
    expect(calls.filter((c) => c.status !== 401)).toEqual([]);
    // The first agent was refused once; its dependents never called at all.
    const started = status.agents.filter((a) => a.state === 'failed');
    expect(calls).toHaveLength(started.length);
    expect(status.agents.filter((a) => a.state === 'skipped').length).toBeGreaterThan(0);
    const [comment] = await checks.progressComments(opened.number);
    expect(comment?.body).toContain('ANTHROPIC_API_KEY');
  });

  it('a refused GitHub token: the run fails at its first call naming the token, without retrying', async () => {
    const stack = await stackWith({ env: { GITHUB_TOKEN: 'revoked-github-token' } });
    await stack.sim('github', 'DELETE', '/_sim/requests');
    const opened = await stack.openIssue(ISSUES[0]!);
    const handle = stack.client.workflow.getHandle(
      issueWorkflowId(repoChecks(stack).ref(opened.number)),
    );
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    let cause: unknown = failure;
    const messages: string[] = [];
    while (cause instanceof Error) {
      messages.push(cause.message);
      cause = cause.cause;
    }
    expect(messages.join('\n')).toMatch(/github auth error \(HTTP 401\).*GITHUB_TOKEN/);
    // One attempt of the first activity (its two parallel reads refused), nothing more.
    const refused = (
      (await stack.sim('github', 'GET', '/_sim/requests')) as LoggedRequest[]
    ).filter((r) => r.status === 401);
    expect(refused.map((r) => r.path).sort()).toEqual([
      `/repos/${stack.owner}/${stack.repo}`,
      `/repos/${stack.owner}/${stack.repo}/issues/${opened.number}`,
    ]);
    const { events } = await handle.fetchHistory();
    const started = (events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    expect(started.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
  });
});
