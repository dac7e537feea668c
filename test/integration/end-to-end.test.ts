/**
 * Webhook → pull request, on real parts: the dev server, the real Octokit and
 * Anthropic SDK clients, the GitHub and Anthropic simulators.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { WorkflowNotFoundError } from '@temporalio/client';
import { issueWorkflowId } from '../../common/ids.js';
import { SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import { agentCommits, repoChecks } from '../support/repo-checks.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';
import { FULL_CREW_ISSUE } from '../../sandbox/issues.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ ttftMs: 30 });
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(async () => {
  await stack.sim('anthropic', 'DELETE', '/_sim/scenario');
});

const checks = () => repoChecks(stack);
const ref = (n: number) => checks().ref(n);
const finished = (n: number) => checks().finished(n);
const branchLog = (n: number) => checks().branchLog(n);
const files = (branch: string) => checks().files(branch);
const pullsFor = (n: number) => checks().pullsFor(n);
const progressComments = (n: number) => checks().progressComments(n);

describe('webhook to pull request', () => {
  it('runs the crew: one commit per agent with its trailer, one PR that fixes the issue, one progress comment', async () => {
    const opened = await stack.openIssue(FULL_CREW_ISSUE);
    expect(opened.status).toBe(201);
    const { result, status } = await finished(opened.number);

    expect(result.phase).toBe('done');
    expect(result.failedAgents).toEqual([]);
    const crew = status.agents.map((a) => a.agent);
    expect(crew).toEqual(['database', 'backend', 'frontend', 'devops', 'documentation']);
    for (const a of status.agents) {
      expect(a.state).toBe('done');
      expect(a.attempts).toBe(1);
      expect(a.turns).toBeGreaterThanOrEqual(3);
      expect(a.tokens.input + a.tokens.output).toBeGreaterThan(0);
      expect(a.files.length).toBeGreaterThan(0);
    }

    const log = await branchLog(opened.number);
    const commits = agentCommits(log);
    expect([...commits.keys()].sort()).toEqual([...crew].sort());
    expect([...commits].filter(([, count]) => count !== 1)).toEqual([]); // [agent, commits] if not one
    for (const c of log.filter((e) => e.message.includes('BlogTube-Agent'))) {
      expect(c.message).toContain(`BlogTube-Run: ${issueWorkflowId(ref(opened.number))}`);
    }

    const pulls = await pullsFor(opened.number);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.draft).toBe(false);
    expect(pulls[0]?.body).toContain(`Fixes #${opened.number}`);
    expect(status.prUrl).toContain(`/pull/${pulls[0]?.number}`);
    expect(await progressComments(opened.number)).toHaveLength(1);

    // Dependency order: a dependent's commit comes after its dependencies' (log is newest first).
    const position = (agent: string) =>
      log.findIndex((c) => c.message.includes(`BlogTube-Agent: ${agent}`));
    expect(position('backend')).toBeLessThan(position('database'));
    expect(position('frontend')).toBeLessThan(position('backend'));
    expect(position('devops')).toBeLessThan(position('backend'));
    expect(position('documentation')).toBeLessThan(
      Math.min(position('frontend'), position('devops')),
    );

    // Independent agents overlap in time.
    const span = (agent: string) => {
      const a = status.agents.find((s) => s.agent === agent);
      return [Date.parse(a?.startedAt ?? ''), Date.parse(a?.endedAt ?? '')] as const;
    };
    const [fs, fe] = span('frontend');
    const [ds, de] = span('devops');
    expect(fs < de && ds < fe).toBe(true);

    // The backend told the frontend about its API; the note was delivered.
    const note = status.messages.find((m) => m.from === 'backend' && m.to === 'frontend');
    expect(note).toBeDefined();
    // The parent held it until the frontend started; it reached the frontend's conversation.
    expect(status.agents.find((a) => a.agent === 'frontend')?.summary).toContain(
      note?.text.slice(0, 40),
    );
  });

  it('skips exactly the dependents of a failed agent; siblings finish; the PR is a draft naming the failure', async () => {
    await stack.sim('anthropic', 'POST', '/_sim/scenario', {
      agents: { frontend: { failWith: { status: 400 } } },
    });
    const opened = await stack.openIssue(FULL_CREW_ISSUE);
    const { result, status } = await finished(opened.number);

    const state = Object.fromEntries(status.agents.map((a) => [a.agent, a.state]));
    expect(state).toEqual({
      database: 'done',
      backend: 'done',
      frontend: 'failed',
      devops: 'done',
      documentation: 'skipped',
    });
    expect(result.failedAgents).toEqual(['frontend']);
    expect(status.agents.find((a) => a.agent === 'frontend')?.error).toMatch(
      /anthropic validation error \(HTTP 400\)/,
    );
    const pulls = await pullsFor(opened.number);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.draft).toBe(true);
    expect(pulls[0]?.body).toMatch(/frontend\*\* failed/);
    expect(pulls[0]?.body).toMatch(/documentation\*\* skipped/);
    const commits = agentCommits(await branchLog(opened.number));
    expect([...commits.keys()].sort()).toEqual(['backend', 'database', 'devops']);
  });

  it('refuses writes outside the agent paths and to CI workflows; the repository is unchanged there', async () => {
    await stack.sim('anthropic', 'POST', '/_sim/scenario', {
      agents: {
        backend: { writeFirst: '.github/workflows/ci.yml' },
        database: { writeFirst: 'web/src/App.jsx' },
      },
    });
    const opened = await stack.openIssue({
      title: 'Add a playlists table and an API endpoint for it',
      body: 'Add a playlists table in the database and an API endpoint to list playlists.',
    });
    const { result } = await finished(opened.number);
    expect(result.phase).toBe('done');
    const main = await files('main');
    const branch = await files(await checks().branch(opened.number));
    expect(branch['.github/workflows/ci.yml']).toBe(main['.github/workflows/ci.yml']);
    expect(branch['web/src/App.jsx']).toBe(main['web/src/App.jsx']);
    const changed = Object.keys(branch).filter((p) => branch[p] !== main[p]);
    expect(changed.length).toBeGreaterThan(0);
    const inAreas = (p: string) =>
      p.startsWith('db/') || p.startsWith('api/') || p.startsWith('docs/') || p === 'README.md';
    expect(changed.filter((p) => !inAreas(p))).toEqual([]);
  });
});

describe('one issue, one run', () => {
  it('the same delivery twice and a second delivery for the issue: one workflow, one PR; a redelivery after it ended starts nothing', async () => {
    const opened = await stack.openIssue({ ...FULL_CREW_ISSUE, deliveryId: 'delivery-a' });
    expect(opened.status).toBe(201);
    const again = await stack.deliver('issues', opened.payload, { deliveryId: 'delivery-a' });
    const other = await stack.deliver('issues', opened.payload, { deliveryId: 'delivery-b' });
    expect([again.status, other.status]).toEqual([200, 201]);
    expect(again.reply).toMatchObject({ result: 'duplicate' }); // the bridge remembers delivery ids
    await finished(opened.number);

    const late = await stack.deliver('issues', opened.payload, { deliveryId: 'delivery-c' });
    expect(late.status).toBe(200);
    expect(late.reply).toMatchObject({ result: 'already-ran' });

    const id = issueWorkflowId(ref(opened.number));
    const runs = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = '${id}'` }))
      runs.push(wf);
    expect(runs).toHaveLength(1);
    expect(await pullsFor(opened.number)).toHaveLength(1);
    expect(await progressComments(opened.number)).toHaveLength(1);
  });
});

describe('who may trigger', () => {
  async function expectNoWorkflow(n: number) {
    await expect(
      stack.client.workflow.getHandle(issueWorkflowId(ref(n))).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  }

  it('a bad or missing signature gets 401 and starts nothing', async () => {
    const payload = {
      action: 'opened',
      issue: { number: 999, title: 'x', body: 'y' },
      repository: { name: stack.repo, owner: { login: stack.owner } },
      sender: { login: 'sandbox-maintainer', type: 'User' },
    };
    const bad = await stack.deliver('issues', payload, { secret: 'wrong-secret' });
    expect(bad.status).toBe(401);
    const missing = await fetch(`${stack.bridgeUrl}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issues' },
      body: JSON.stringify(payload),
    });
    expect(missing.status).toBe(401);
    await expectNoWorkflow(999);
  });

  it('a sender with read access starts nothing', async () => {
    const opened = await stack.openIssue({
      title: 'Please add dark mode to the UI',
      body: 'A dark theme.',
      token: SANDBOX_TOKENS.outsider,
    });
    expect(opened.status).toBe(202);
    expect(opened.reply).toMatchObject({ result: 'ignored' });
    await expectNoWorkflow(opened.number);
  });

  it('answers malformed deliveries with clear statuses', async () => {
    const notJson = await fetch(`${stack.bridgeUrl}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(notJson.status).toBe(415);
    const big = await stack.deliver('issues', { pad: 'x'.repeat(300 * 1024) });
    expect(big.status).toBe(413);
    const health = await fetch(`${stack.bridgeUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});
