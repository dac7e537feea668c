/**
 * The orchestrator's activities imported on first call (workers/lazy-activities.ts):
 * the module is made once, by the first call of any activity of its group, the
 * calls reach the made activities with their arguments and `this`, a failed
 * make is tried again by the next call, and the listed names are exactly the
 * real factories' (the GitHub activities made over a real Octokit).
 */
import { describe, expect, it } from '@jest/globals';
import { createAnalysisActivities } from '../../activities/analysis/activity.js';
import { createBaseCheckActivities } from '../../activities/base-check.js';
import { createGitHubActivities } from '../../activities/github.js';
import { createLeaseActivities } from '../../activities/lease.js';
import { createRedeliveryActivities } from '../../activities/redelivery.js';
import { CircuitBreaker } from '../../activities/pure/breaker.js';
import { createOctokit } from '../../common/github-client.js';
import {
  ANALYSIS_ACTIVITIES,
  BASE_CHECK_ACTIVITIES,
  GITHUB_ACTIVITIES,
  LEASE_ACTIVITIES,
  onFirstCall,
  REDELIVERY_ACTIVITIES,
} from '../../workers/lazy-activities.js';

describe('onFirstCall', () => {
  it('makes the group once, at the first call of any of its activities', async () => {
    let made = 0;
    const make = async () => {
      made += 1;
      return {
        async double(n: number): Promise<number> {
          return n * 2;
        },
        async quadruple(n: number): Promise<number> {
          return 2 * (await this.double(n));
        },
      };
    };
    const group = onFirstCall<Awaited<ReturnType<typeof make>>>(
      { double: true, quadruple: true },
      make,
    );
    expect(made).toBe(0);
    const [a, b] = await Promise.all([group.double(21), group.quadruple(5)]);
    expect([a, b]).toEqual([42, 20]);
    await group.double(1);
    expect(made).toBe(1);
  });

  it('tries again after a failed make', async () => {
    let attempts = 0;
    const make = async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('module failed to load');
      return { ping: async () => 'pong' };
    };
    const group = onFirstCall<Awaited<ReturnType<typeof make>>>({ ping: true }, make);
    await expect(group.ping()).rejects.toThrow('module failed to load');
    await expect(group.ping()).resolves.toBe('pong');
    expect(attempts).toBe(2);
  });
});

describe('the listed activity names', () => {
  const sorted = (o: object) => Object.keys(o).sort();

  it('are the factories’ own', () => {
    const octokit = createOctokit('http://127.0.0.1:1', 'token-never-used');
    const breaker = new CircuitBreaker({ failureThreshold: 5, openMs: 1000 });
    expect(sorted(GITHUB_ACTIVITIES)).toEqual(sorted(createGitHubActivities({ octokit, breaker })));
    expect(sorted(ANALYSIS_ACTIVITIES)).toEqual(sorted(createAnalysisActivities()));
    expect(sorted(LEASE_ACTIVITIES)).toEqual(sorted(createLeaseActivities({ limits: {} })));
    expect(sorted(BASE_CHECK_ACTIVITIES)).toEqual(sorted(createBaseCheckActivities()));
    expect(sorted(REDELIVERY_ACTIVITIES)).toEqual(
      sorted(createRedeliveryActivities({ app: octokit })),
    );
  });
});
