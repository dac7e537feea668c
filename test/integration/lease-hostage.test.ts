/**
 * Issue 16, property 9: area leases cannot be held hostage.
 * - An agent paused on its token budget gives its area's lease back: another
 *   issue's agent of the same area runs and finishes meanwhile; when the
 *   budget is raised (`blogtube budget`) the paused agent queues again and
 *   finishes.
 * - A wait for a grant is bounded: an operator terminates the area's
 *   semaphore workflow with the real `temporal` CLI while an agent waits in
 *   its queue; the waiter asks again, a new semaphore grants it, it finishes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { agentWorkflowId, issueWorkflowId } from '../../common/ids.js';
import { areaLeaseWorkflowId, leaseStateQuery } from '../../common/lease-api.js';
import type { LeaseState } from '../../common/lease-api.js';
import type { IssueStatus, IssueWorkflowResult } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import { ensureTemporalCli } from '../../scripts/temporal-cli.js';
import { runBlogtube } from '../support/cli-process.js';
import { databaseOnlyConfig } from '../support/configs.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

jest.setTimeout(300_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: { AREA_LIMITS: 'database=1', AREA_LEASE_RECHECK_SECONDS: '2' },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const ref = (number: number) => ({ owner: stack.owner, repo: stack.repo, number });
const handleFor = (n: number) => stack.client.workflow.getHandle(issueWorkflowId(ref(n)));
const leaseId = () => areaLeaseWorkflowId(`${stack.owner}/${stack.repo}`, 'database');
const leaseState = (): Promise<LeaseState> =>
  stack.client.workflow.getHandle(leaseId()).query(leaseStateQuery);
const result = (n: number) => handleFor(n).result() as Promise<IssueWorkflowResult>;

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 900; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('an agent paused on its budget releases its lease, and queues again when resumed', async () => {
  // The first issue's database agent spends a small budget and pauses.
  await stack.commitFile(
    '.github/blogtube.yml',
    databaseOnlyConfig(12).replace('limits:\n', 'limits:\n  agent_token_budget: 1000\n'),
  );
  await stack.sim('anthropic', 'POST', '/_sim/scenario', {
    agents: { database: { extraTurns: 3 } },
  });
  const first = await stack.openIssue({
    title: 'Add an audit table',
    body: 'Add a database migration that creates an audit table.',
  });
  const firstAgent = agentWorkflowId(ref(first.number), 'database');
  await until('the first run to pause on its budget', async () => {
    const s: IssueStatus = await handleFor(first.number).query(statusQuery);
    return s.phase === 'paused';
  });
  await until('the paused agent to give its lease back', async () => {
    const s = await leaseState();
    return ![...s.holders, ...s.waiters].some((h) => h.workflowId === firstAgent);
  });

  // Meanwhile a second issue's database agent (a generous budget) gets the lease and finishes.
  await stack.sim('anthropic', 'DELETE', '/_sim/scenario');
  await stack.commitFile('.github/blogtube.yml', databaseOnlyConfig(12));
  const second = await stack.openIssue({
    title: 'Add a tags table',
    body: 'Add a database migration that creates a tags table.',
  });
  expect([(await result(second.number)).phase]).toEqual(['done']);
  const stillPaused: IssueStatus = await handleFor(first.number).query(statusQuery);
  expect(stillPaused.phase).toBe('paused');
  expect(stillPaused.agents.map((a) => [a.agent, a.paused !== undefined])).toEqual([
    ['database', true],
  ]);

  // Raised: the paused agent asks for the lease again, gets it and finishes.
  const raised = await runBlogtube(stack, [
    'budget',
    `${stack.owner}/${stack.repo}#${first.number}`,
    '--add-tokens',
    '1000000',
  ]);
  expect([raised.code, raised.stderr]).toEqual([0, '']);
  expect([(await result(first.number)).phase]).toEqual(['done']);
  const state = await leaseState();
  expect([state.holders, state.waiters]).toEqual([[], []]);
});

it('a waiter asks again when the semaphore workflow was terminated, and gets its lease', async () => {
  await stack.commitFile('.github/blogtube.yml', databaseOnlyConfig(12));
  // The holder's model call never finishes: it holds the lease.
  await stack.sim('anthropic', 'POST', '/_sim/scenario', { agents: { database: { hang: true } } });
  const holder = await stack.openIssue({
    title: 'Add a sessions table',
    body: 'Add a database migration that creates a sessions table.',
  });
  const holderAgent = agentWorkflowId(ref(holder.number), 'database');
  await until('the first agent to hold the lease', async () =>
    (await leaseState()).holders.some((h) => h.workflowId === holderAgent),
  );
  // The scenario stays until the semaphore is gone: a hung call is retried after its
  // heartbeat timeout, and a retry that did not hang would end the holder's run and hand
  // the lease over before the waiter is in the queue (a race a loaded machine loses).
  const waiter = await stack.openIssue({
    title: 'Add a likes table',
    body: 'Add a database migration that creates a likes table.',
  });
  const waiterAgent = agentWorkflowId(ref(waiter.number), 'database');
  await until('the second agent to wait in the queue', async () =>
    (await leaseState()).waiters.some((h) => h.workflowId === waiterAgent),
  );

  // An operator terminates the semaphore (its queue is gone with it).
  const cli = await ensureTemporalCli();
  await promisify(execFile)(cli, [
    'workflow',
    'terminate',
    '--workflow-id',
    leaseId(),
    '--reason',
    'test: semaphore terminated',
    '--address',
    process.env.TEMPORAL_ADDRESS!,
  ]);
  await stack.sim('anthropic', 'DELETE', '/_sim/scenario');

  expect([(await result(waiter.number)).phase]).toEqual(['done']);
  // The holder's hung call may have ended its run by now; if not, it is ended here.
  await handleFor(holder.number)
    .terminate('test: done with the holder')
    .catch(() => undefined);
  await stack.client.workflow
    .getHandle(holderAgent)
    .terminate('test: done with the holder')
    .catch(() => undefined);
});
