/**
 * The repository's checks after the crew, end to end: the sandbox project's
 * real `npm test` as the configured check, run by real workspace workers in
 * bubblewrap, commit statuses and the PR on the GitHub simulator, the careful
 * engineers of the Anthropic simulator as the crew (and, in fix rounds, the
 * agents sent back with a failure).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { baseCheckWorkflowId } from '../../common/base-check.js';
import { createOctokit } from '../../common/github-client.js';
import { agentWorkflowId, issueBranch, issueWorkflowId } from '../../common/ids.js';
import { statusQuery } from '../../common/workflow-api.js';
import { AGENT_TYPES, totalTokens, type IssueStatus } from '../../common/schemas.js';
import { SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import { runBlogtube } from '../support/cli-process.js';
import { agentCommits, repoChecks } from '../support/repo-checks.js';
import { makeSandboxRoot } from '../support/sandbox-dirs.js';
import { startStack } from '../support/stack.js';
import { withScenario } from '../support/stack-hooks.js';
import type { Stack } from '../support/stack.js';

// Each test runs whole crews and their checks in real workspaces, on a shared machine.
jest.setTimeout(600_000);

let stack: Stack;
/** The issue whose checks the crew could not fix (its run is retried with --checks). */
let unfixable: number | undefined;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const tmp = await makeSandboxRoot('blogtube-checks-');
  cleanup = tmp.cleanup;
  stack = await startStack({ workspace: { root: tmp.workspaces } });
});

afterAll(async () => {
  await stack?.stop();
  await cleanup?.();
});

const BOOKMARKS = {
  title: 'Add bookmarks: users can bookmark videos',
  body: 'A bookmarks table in the database and an API endpoint to list bookmarks.',
};

/** The head commit's statuses as GitHub answers them (combined: the latest per context). */
async function headStatuses(number: number) {
  const octokit = createOctokit(stack.github.url, SANDBOX_TOKENS.maintainer);
  // The run's own branch (a run works on a branch named by its first run id).
  const issue = { owner: stack.owner, repo: stack.repo, number };
  const status = await stack.client.workflow.getHandle(issueWorkflowId(issue)).query(statusQuery);
  const ref = status.branch ?? issueBranch(issue);
  const { data: combined } = await octokit.rest.repos.getCombinedStatusForRef({
    owner: stack.owner,
    repo: stack.repo,
    ref,
  });
  const all = await octokit.paginate(octokit.rest.repos.listCommitStatusesForRef, {
    owner: stack.owner,
    repo: stack.repo,
    ref,
    per_page: 100,
  });
  return { combined, all };
}

/** The default branch's head commit. */
async function defaultHead(): Promise<string> {
  const octokit = createOctokit(stack.github.url, SANDBOX_TOKENS.maintainer);
  const { data: repo } = await octokit.rest.repos.get({ owner: stack.owner, repo: stack.repo });
  const { data } = await octokit.rest.repos.getBranch({
    owner: stack.owner,
    repo: stack.repo,
    branch: repo.default_branch,
  });
  return data.commit.sha;
}

/** The workflow ids of every fix-round agent the run started. */
async function fixRoundAgents(number: number): Promise<string[]> {
  const ref = { owner: stack.owner, repo: stack.repo, number };
  const ids: string[] = [];
  for (const agent of AGENT_TYPES) {
    for (let round = 1; round <= 3; round++) {
      const id = `${agentWorkflowId(ref, agent)}/fix:${round}`;
      const found = await stack.client.workflow
        .getHandle(id)
        .describe()
        .then(() => true)
        .catch(() => false);
      if (found) ids.push(`${agent}/fix:${round}`);
    }
  }
  return ids.sort();
}

async function run(number: number) {
  const checks = repoChecks(stack);
  const { result, status } = await checks.finished(number);
  const [pr] = await checks.pullsFor(number);
  const log = await checks.branchLog(number);
  return { checks, result, status, pr, log };
}

function checksOf(status: IssueStatus) {
  const c = status.checks;
  if (!c) throw new Error('the run reported no checks');
  return c;
}

describe('checks after the crew', () => {
  it('all checks pass: success statuses on the head commit and a ready PR with the Checks section', async () => {
    const opened = await stack.openIssue(BOOKMARKS);
    const { result, status, pr, log } = await run(opened.number);
    expect(result.phase).toBe('done');
    const c = checksOf(status);
    expect(c.results.map((r) => [r.name, r.outcome])).toEqual([['test', 'passed']]);
    expect({ rounds: c.roundsUsed, stop: c.stop }).toEqual({ rounds: 0, stop: 'all_passed' });
    expect(pr?.draft).toBe(false);
    expect(pr?.body).toContain('### Checks');
    expect(pr?.body).toMatch(/\| ✅ `test` \| passed \| \d+\.\ds \|/);
    const { combined, all } = await headStatuses(opened.number);
    expect(combined.sha).toBe(log[0]?.sha);
    expect(combined.state).toBe('success');
    expect(all.map((s) => [s.context, s.state]).sort()).toEqual([
      ['blogtube/test', 'pending'],
      ['blogtube/test', 'success'],
    ]);
    const success = all.find((s) => s.state === 'success');
    expect(success?.description).toMatch(/^Passed in \d+\.\ds$/);
    expect(success?.target_url).toContain(encodeURIComponent(status.workflowId));
    expect(await fixRoundAgents(opened.number)).toEqual([]);
  });

  it("an agent's broken commit: one fix round sent to that agent only, its second commit passes, ready PR", async () => {
    // The backend commits a test that fails (it gives up fixing at once); sent back, it fixes it.
    await withScenario(
      stack,
      {
        agents: { backend: { tests: 'break-then-fix', fixAttempts: 0 } },
      },
      async () => {
        const opened = await stack.openIssue({
          ...BOOKMARKS,
          title: 'Add favorites: users can favorite videos',
          body: 'A favorites table in the database and an API endpoint to list favorites.',
        });
        const { result, status, pr, log } = await run(opened.number);
        expect(result.phase).toBe('done');
        const c = checksOf(status);
        expect({ rounds: c.roundsUsed, sent: c.rounds, stop: c.stop }).toEqual({
          rounds: 1,
          sent: [{ round: 1, agents: ['backend'] }],
          stop: 'all_passed',
        });
        expect(c.results.map((r) => r.outcome)).toEqual(['passed']);
        expect(await fixRoundAgents(opened.number)).toEqual(['backend/fix:1']);
        const commits = agentCommits(log);
        expect(commits.get('backend')).toBe(2);
        for (const [agent, n] of commits)
          if (agent !== 'backend') expect({ agent, n }).toEqual({ agent, n: 1 });
        expect(log[0]?.message).toContain('BlogTube-Agent: backend');
        expect(pr?.draft).toBe(false);
        expect(pr?.body).toContain('Fix rounds: 1 of 2 (round 1: backend).');
        const { combined } = await headStatuses(opened.number);
        expect(combined.state).toBe('success');
        // `blogtube status` lists the fix round's commands after the crew's: its test run passes.
        const shown = await runBlogtube(stack, [
          'status',
          `${stack.owner}/${stack.repo}#${opened.number}`,
        ]);
        expect(shown.code).toBe(0);
        const fixRuns = shown.stdout
          .split('\n')
          .filter((l) => l.startsWith('  backend (fix 1) $ '));
        expect(fixRuns.at(-1)).toMatch(/→ exit code 0,/);
      },
    );
  });

  it('an unfixable failure: exactly max_fix_rounds rounds, then a draft PR with the failing output, status failure', async () => {
    await withScenario(
      stack,
      {
        agents: { backend: { tests: 'cannot-fix', fixAttempts: 0 } },
      },
      async () => {
        const opened = await stack.openIssue({
          ...BOOKMARKS,
          title: 'Add watchlists: users can keep watchlists of videos',
          body: 'A watchlists table in the database and an API endpoint to list watchlists.',
        });
        unfixable = opened.number;
        const { result, status, pr } = await run(opened.number);
        expect(result.phase).toBe('done');
        const c = checksOf(status);
        expect({ rounds: c.roundsUsed, stop: c.stop }).toEqual({
          rounds: 2,
          stop: 'max_fix_rounds',
        });
        expect(c.results.map((r) => r.outcome)).toEqual(['failed']);
        expect(await fixRoundAgents(opened.number)).toEqual(['backend/fix:1', 'backend/fix:2']);
        expect(pr?.draft).toBe(true);
        expect(pr?.body).toContain('<details><summary><code>test</code>');
        expect(pr?.body).toMatch(/is not defined/);
        expect(pr?.body).toContain('This PR is a draft because `test` does not pass.');
        const { combined } = await headStatuses(opened.number);
        expect(combined.state).toBe('failure');
        expect(combined.statuses.find((s) => s.context === 'blogtube/test')?.description).toMatch(
          /^Failed \(exit 1\) in \d+\.\ds$/,
        );
      },
    );
  });
});

describe('blogtube retry --checks', () => {
  it('runs the checks and their fix rounds again on the head, keeping every agent', async () => {
    expect(unfixable).toBeDefined();
    const number = unfixable as number;
    // This time the backend, sent back, fixes what it broke.
    await withScenario(
      stack,
      {
        agents: { backend: { tests: 'break-then-fix', fixAttempts: 0 } },
      },
      async () => {
        const retried = await runBlogtube(stack, [
          'retry',
          `${stack.owner}/${stack.repo}#${number}`,
          '--checks',
          '--json',
        ]);
        expect({ code: retried.code, stderr: retried.stderr }).toEqual({ code: 0, stderr: '' });
        const r = JSON.parse(retried.stdout) as { rerun: string[]; kept: string[] };
        expect(r.rerun).toEqual([]);
        expect(r.kept).toContain('backend');
        const { result, status, pr } = await run(number);
        expect(result.phase).toBe('done');
        expect(status.retry?.number).toBe(1);
        const c = checksOf(status);
        expect({ rounds: c.roundsUsed, sent: c.rounds, stop: c.stop }).toEqual({
          rounds: 1,
          sent: [{ round: 1, agents: ['backend'] }],
          stop: 'all_passed',
        });
        // No agent of the crew ran again: only the fix round's, whose tokens are this run's.
        expect(status.agents.every((a) => a.carriedFrom !== undefined)).toBe(true);
        expect(totalTokens(status.tokens)).toBeGreaterThan(0);
        const { combined } = await headStatuses(number);
        expect(combined.state).toBe('success');
        // GitHub's REST API cannot make a draft ready: it stays a draft for a maintainer to mark.
        expect(pr?.draft).toBe(true);
      },
    );
  });
});

describe('checks the crew did not break, and checks that hang', () => {
  it('a check failing on the base commit too: reported so, no fix round, a draft that says so; the base run is remembered', async () => {
    await stack.commitFile(
      'api/legacy.test.js',
      [
        "import assert from 'node:assert/strict';",
        "import { test } from 'node:test';",
        '',
        "test('legacy totals add up', () => {",
        '  assert.equal(1 + 1, 3);',
        '});',
        '',
      ].join('\n'),
    );
    const baseSha = await defaultHead();
    const opened = await stack.openIssue({
      ...BOOKMARKS,
      title: 'Add ratings: users can rate videos',
      body: 'A ratings table in the database and an API endpoint to list ratings.',
    });
    const { result, status, pr } = await run(opened.number);
    expect(result.phase).toBe('done');
    const c = checksOf(status);
    expect(c.results.map((r) => [r.name, r.outcome])).toEqual([['test', 'failing_on_base']]);
    expect({ rounds: c.roundsUsed, stop: c.stop }).toEqual({ rounds: 0, stop: 'failing_on_base' });
    expect(await fixRoundAgents(opened.number)).toEqual([]);
    expect(pr?.draft).toBe(true);
    expect(pr?.body).toContain('| ⚠️ `test` | failing on the base branch |');
    expect(pr?.body).toContain('This PR is a draft because `test` fails on the base branch too.');
    const { combined } = await headStatuses(opened.number);
    expect(combined.state).toBe('failure');
    expect(combined.statuses[0]?.description).toMatch(/also on the base branch$/);

    // The base commit's run is one memo workflow; a second issue on the same base reads it.
    const memoId = baseCheckWorkflowId({
      ref: { owner: stack.owner, repo: stack.repo },
      sha: baseSha,
      check: { name: 'test', run: 'npm test', timeout_seconds: 120 },
    });
    const memo = await stack.client.workflow.getHandle(memoId).describe();
    const again = await stack.openIssue({
      ...BOOKMARKS,
      title: 'Add badges: users can earn badges',
      body: 'A badges table in the database and an API endpoint to list badges.',
    });
    const second = await run(again.number);
    expect(checksOf(second.status).results.map((r) => r.outcome)).toEqual(['failing_on_base']);
    const after = await stack.client.workflow.getHandle(memoId).describe();
    expect(after.runId).toBe(memo.runId);
  });

  it('a check that hangs is killed at its limit and reported as timed out', async () => {
    const config = await readFile(
      new URL('../../sandbox/github/project/.github/blogtube.yml', import.meta.url),
      'utf8',
    );
    // The check hangs on the crew's change only (the new module), so the base commit passes it.
    const hanging = config.replace(
      /^checks:[\s\S]*$/m,
      [
        'checks:',
        "  - { name: slow, run: 'test ! -e db/reviews.js || sleep 600', timeout_seconds: 3 }",
        'max_fix_rounds: 0',
        '',
      ].join('\n'),
    );
    expect(hanging).toContain('name: slow');
    await stack.commitFile('.github/blogtube.yml', hanging);
    const opened = await stack.openIssue({
      ...BOOKMARKS,
      title: 'Add reviews: users can review videos',
      body: 'A reviews table in the database and an API endpoint to list reviews.',
    });
    const { result, status, pr } = await run(opened.number);
    expect(result.phase).toBe('done');
    const c = checksOf(status);
    const [slow] = c.results;
    expect({ outcome: slow?.outcome, timedOut: slow?.timedOut }).toEqual({
      outcome: 'timed_out',
      timedOut: true,
    });
    expect(slow?.durationMs).toBeGreaterThanOrEqual(3000);
    expect(c.stop).toBe('max_fix_rounds');
    expect(pr?.draft).toBe(true);
    expect(pr?.body).toContain('| ⏱️ `slow` | timed out |');
    const { combined } = await headStatuses(opened.number);
    expect(combined.statuses.find((s) => s.context === 'blogtube/slow')).toMatchObject({
      state: 'failure',
      description: expect.stringMatching(/^Timed out after \d+\.\ds$/),
    });
  });
});
