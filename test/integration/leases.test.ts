/**
 * Per-area limits across issues: five issues of one repository that all need
 * the database agent, started at once, run their database agents one at a
 * time (AREA_LIMITS database=1), and all finish. The proof is the Anthropic
 * simulator's request log, in arrival order: each issue's database turns form
 * one unbroken block (an agent's lease covers its whole run, and its turns are
 * sequential), so no two database agents were ever working at once. Then a
 * holder that is terminated (no release) does not keep the lease forever.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { agentWorkflowId, issueWorkflowId } from '../../common/ids.js';
import { areaLeaseWorkflowId, leaseStateQuery } from '../../common/lease-api.js';
import type { LeaseState } from '../../common/lease-api.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import type { SimRequestRecord } from '../../sandbox/anthropic/server.js';
import { databaseOnlyConfig } from '../support/configs.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

const ISSUES = 5;

let stack: Stack;
beforeAll(async () => {
  // Some latency per call, so that unleased agents would overlap.
  stack = await startStack({
    ttftMs: 30,
    tokensPerSec: 4000,
    env: { AREA_LIMITS: 'database=1,backend=1,devops=1,frontend=2' },
  });
  await stack.commitFile('.github/blogtube.yml', databaseOnlyConfig(12));
});
afterAll(async () => {
  await stack?.stop();
});

const repoName = () => `${stack.owner}/${stack.repo}`;
const ref = (number: number) => ({ owner: stack.owner, repo: stack.repo, number });

async function leaseState(): Promise<LeaseState> {
  return stack.client.workflow
    .getHandle(areaLeaseWorkflowId(repoName(), 'database'))
    .query(leaseStateQuery);
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('five concurrent issues needing the database agent: one database agent at a time, all finish', async () => {
  await stack.sim('anthropic', 'DELETE', '/_sim/requests');
  const opened = await Promise.all(
    Array.from({ length: ISSUES }, (_, i) =>
      stack.openIssue({
        title: `Add a table for feature ${i + 1}`,
        body: `Add a database migration that creates table t${i + 1} with a name column.`,
      }),
    ),
  );
  expect(opened.map((o) => o.status)).toEqual(Array(ISSUES).fill(201));

  const results = await Promise.all(
    opened.map(
      (o) =>
        stack.client.workflow
          .getHandle(issueWorkflowId(ref(o.number)))
          .result() as Promise<IssueWorkflowResult>,
    ),
  );
  expect(results.map((r) => [r.phase, r.error])).toEqual(Array(ISSUES).fill(['done', undefined]));
  for (const o of opened) {
    const status = await stack.client.workflow
      .getHandle(issueWorkflowId(ref(o.number)))
      .query(statusQuery);
    expect(status.agents.map((a) => [a.agent, a.state])).toEqual([['database', 'done']]);
  }

  const log = (await stack.sim('anthropic', 'GET', '/_sim/requests')) as SimRequestRecord[];
  const turns = log.filter((r) => r.repo === repoName() && r.agent === 'database');
  const issues = new Set(opened.map((o) => o.number));
  expect(new Set(turns.map((r) => r.issue))).toEqual(issues);
  // Arrival order, consecutive repeats collapsed: one block per issue.
  const blocks = turns.map((r) => r.issue).filter((n, i, all) => i === 0 || all[i - 1] !== n);
  expect(blocks).toHaveLength(ISSUES);
  expect(new Set(blocks).size).toBe(ISSUES);

  // Every lease was given back.
  const state = await leaseState();
  expect([state.limit, state.holders, state.waiters]).toEqual([1, [], []]);
});

it('a holder terminated without releasing does not keep the lease', async () => {
  // The first agent's model call never finishes: it holds the lease until terminated.
  await stack.sim('anthropic', 'POST', '/_sim/scenario', { agents: { database: { hang: true } } });
  const first = await stack.openIssue({
    title: 'Add an audit table',
    body: 'Add a database migration that creates an audit table.',
  });
  const firstAgent = agentWorkflowId(ref(first.number), 'database');
  await until('the first agent to hold the lease', async () => {
    const s = await leaseState();
    return s.holders.some((h) => h.workflowId === firstAgent);
  });
  await stack.sim('anthropic', 'POST', '/_sim/scenario', { agents: {} });
  await stack.client.workflow.getHandle(firstAgent).terminate('test: holder dies without release');

  const second = await stack.openIssue({
    title: 'Add a tags table',
    body: 'Add a database migration that creates a tags table.',
  });
  const result = (await stack.client.workflow
    .getHandle(issueWorkflowId(ref(second.number)))
    .result()) as IssueWorkflowResult;
  expect([result.phase, result.error]).toEqual(['done', undefined]);
  const state = await leaseState();
  expect(state.holders.map((h) => h.workflowId)).not.toContain(firstAgent);
});
