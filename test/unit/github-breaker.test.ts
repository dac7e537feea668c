/**
 * The GitHub circuit breaker counts requests, not activity attempts: through
 * the real Octokit against the GitHub simulator. An activity whose attempts
 * each fail on one of their requests (a degraded GitHub) leaves it closed,
 * because the requests before succeed; a GitHub that fails every request
 * opens it, and requests are then refused without reaching GitHub.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createGitHubActivities, guardRequests } from '../../activities/github.js';
import type { GitHubActivities } from '../../activities/github.js';
import { CircuitBreaker } from '../../activities/pure/breaker.js';
import type { StagedFile } from '../../common/schemas.js';
import { createOctokit } from '../../common/github-client.js';
import { adminCall } from '../../sandbox/admin-client.js';
import { startGitHubSim, SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import type { GitHubSim } from '../../sandbox/github/server.js';
import { failureOf } from '../support/failures.js';
import { STAGED_BRANCH, STAGED_REF, stageOnBranch } from '../support/staged-branch.js';

const THRESHOLD = 3;
const ref = STAGED_REF;
const branch = STAGED_BRANCH;

let sim: GitHubSim;
let file: StagedFile;

beforeAll(async () => {
  sim = await startGitHubSim({ port: 0 });
  file = await stageOnBranch(sim.url);
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await adminCall(sim.url, 'DELETE', '/_sim/faults');
});

function guarded(): { gh: GitHubActivities; breaker: CircuitBreaker } {
  const breaker = new CircuitBreaker({ failureThreshold: THRESHOLD, openMs: 60_000 });
  const gh = createGitHubActivities({
    octokit: createOctokit(sim.url, SANDBOX_TOKENS.bot),
    breaker,
  });
  return { gh, breaker };
}

const requestCount = async (): Promise<number> =>
  ((await adminCall(sim.url, 'GET', '/_sim/requests')) as unknown[]).length;

describe('the GitHub breaker', () => {
  it('stays closed when every attempt of a several-request activity fails on one request', async () => {
    const { gh, breaker } = guarded();
    // Listing the branch works; making the tree always answers 502.
    await adminCall(sim.url, 'POST', '/_sim/faults', {
      rules: [{ method: 'POST', path: '/git/trees$', status: 502 }],
    });
    const commit = {
      ref,
      branch,
      workflowId: 'wf',
      agent: 'backend' as const,
      summary: 's',
      files: [file],
    };
    for (let attempt = 0; attempt < THRESHOLD + 2; attempt++) {
      const f = await failureOf(gh.commitAgentChanges(commit));
      expect(f.type).toBe('github.server');
    }
    // Five failed attempts in a row, but never THRESHOLD failed requests in a row.
    expect(breaker.state).toBe('closed');
  });

  it('opens after THRESHOLD failed requests in a row, then refuses without calling GitHub', async () => {
    const { gh, breaker } = guarded();
    await adminCall(sim.url, 'DELETE', '/_sim/requests');
    await adminCall(sim.url, 'POST', '/_sim/faults', { rules: [{ status: 503 }] });
    for (let calls = 0; breaker.state === 'closed' && calls < 10; calls++) {
      expect((await failureOf(gh.loadIssue(ref))).type).toBe('github.server');
    }
    expect(breaker.state).toBe('open');
    // Failed requests opened it (loadIssue's requests run side by side, so one
    // admitted before it opened may still have gone out).
    const log = (await adminCall(sim.url, 'GET', '/_sim/requests')) as { status: number }[];
    expect(log.length).toBeGreaterThanOrEqual(THRESHOLD);
    expect(log.filter((r) => r.status !== 503)).toEqual([]);
    const before = log.length;
    const refused = await failureOf(gh.loadIssue(ref));
    expect(refused.type).toBe('github.circuit_open');
    expect(refused.nonRetryable).toBe(false);
    expect(await requestCount()).toBe(before);
  });

  it('hooks a client once, and refuses a second breaker for the same client', () => {
    const octokit = createOctokit(sim.url, SANDBOX_TOKENS.bot);
    const breaker = new CircuitBreaker();
    guardRequests(octokit, breaker);
    expect(() => guardRequests(octokit, breaker)).not.toThrow();
    expect(() => guardRequests(octokit, new CircuitBreaker())).toThrow(/another circuit breaker/);
  });
});
