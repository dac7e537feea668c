/**
 * The environment profile reaches the runs: the workers' profile (here `test`,
 * with one value overridden by its own variable) sets how many agents run at
 * once where the repository says nothing, and how long one model call may take.
 * The production profile (every other stack's) lets independent agents overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { agentWorkflowId } from '../../common/ids.js';
import type { AgentStatus, AgentType } from '../../common/schemas.js';
import { FULL_CREW_ISSUE } from '../../sandbox/issues.js';
import { repoChecks } from '../support/repo-checks.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

let testProfile: Stack;
let production: Stack;
beforeAll(async () => {
  [testProfile, production] = await Promise.all([
    startStack({ env: { BLOGTUBE_PROFILE: 'test', BLOGTUBE_AGENT_TIMEOUT_MS: '45000' } }),
    startStack(),
  ]);
  // The sandbox repository's own file names max_parallel_agents: drop it, so the profile decides.
  const silent = 'version: 1\nlimits:\n  max_turns: 12\n';
  await Promise.all([
    testProfile.commitFile('.github/blogtube.yml', silent),
    production.commitFile('.github/blogtube.yml', silent),
  ]);
});
afterAll(async () => {
  await Promise.all([testProfile?.stop(), production?.stop()]);
});

/** Pairs of agents whose runs overlapped in time. */
function overlaps(agents: AgentStatus[]): string[] {
  const spans = agents.map((a) => ({
    agent: a.agent,
    from: Date.parse(a.startedAt ?? ''),
    to: Date.parse(a.endedAt ?? ''),
  }));
  const out: string[] = [];
  for (const x of spans)
    for (const y of spans)
      if (x.agent < y.agent && x.from < y.to && y.from < x.to) out.push(`${x.agent}+${y.agent}`);
  return out;
}

/** The start-to-close timeouts (seconds) of an agent's model calls, from its history. */
async function modelCallTimeouts(stack: Stack, issue: number, agent: AgentType) {
  const ref = { owner: stack.owner, repo: stack.repo, number: issue };
  const history = await stack.client.workflow.getHandle(agentWorkflowId(ref, agent)).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name === 'callModel')
    .map((a) => Number(a?.startToCloseTimeout?.seconds ?? 0));
}

describe('environment profiles in runs', () => {
  it('test profile: one agent at a time, model calls bounded by the overridden agent timeout', async () => {
    expect(testProfile.settings.profile).toMatchObject({
      name: 'test',
      maxConcurrentAgents: 1,
      agentTimeoutMs: 45_000,
    });
    const opened = await testProfile.openIssue(FULL_CREW_ISSUE);
    const { result, status } = await repoChecks(testProfile).finished(opened.number);
    expect(result.phase).toBe('done');
    expect(status.plan?.maxParallel).toBe(1);
    expect(status.agents.map((a) => a.state)).toEqual(status.agents.map(() => 'done'));
    expect(overlaps(status.agents)).toEqual([]);
    const timeouts = await modelCallTimeouts(testProfile, opened.number, 'backend');
    expect(timeouts.length).toBeGreaterThan(1);
    expect(new Set(timeouts)).toEqual(new Set([45]));
  });

  it("the repository's limits.max_parallel_agents wins over the profile", async () => {
    await testProfile.commitFile(
      '.github/blogtube.yml',
      'version: 1\nlimits:\n  max_parallel_agents: 2\n',
    );
    const opened = await testProfile.openIssue(FULL_CREW_ISSUE);
    const { result, status } = await repoChecks(testProfile).finished(opened.number);
    expect(result.phase).toBe('done');
    expect(status.plan?.maxParallel).toBe(2);
    // frontend and devops both wait only for backend: with two slots they overlap.
    expect(overlaps(status.agents)).toEqual(['devops+frontend']);
  });

  it('production profile: up to five agents at once, ten-minute model calls', async () => {
    const opened = await production.openIssue(FULL_CREW_ISSUE);
    const { result, status } = await repoChecks(production).finished(opened.number);
    expect(result.phase).toBe('done');
    expect(status.plan?.maxParallel).toBe(5);
    expect(overlaps(status.agents)).toEqual(['devops+frontend']);
    expect(new Set(await modelCallTimeouts(production, opened.number, 'database'))).toEqual(
      new Set([600]),
    );
  });
});
