/**
 * Issue 16, property 11: a long model outage pauses agents instead of
 * failing them. With a short retry window for model calls
 * (MODEL_RETRY_WINDOW_SECONDS=3), the Anthropic simulator answers every call
 * 503: the agent pauses, the run's status and `blogtube status` say it waits
 * for the model; when the outage ends the agent resumes and the run finishes.
 */
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { issueWorkflowId } from '../../common/ids.js';
import type { IssueStatus, IssueWorkflowResult } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import { runBlogtube } from '../support/cli-process.js';
import { databaseOnlyConfig } from '../support/configs.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

jest.setTimeout(300_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { MODEL_RETRY_WINDOW_SECONDS: '3' } });
  await stack.commitFile('.github/blogtube.yml', databaseOnlyConfig(12));
});
afterAll(async () => {
  await stack?.sim('anthropic', 'DELETE', '/_sim/faults');
  await stack?.stop();
});

it('an agent waits out a model outage (paused, visible in status) and finishes when it ends', async () => {
  await stack.sim('anthropic', 'POST', '/_sim/faults', { rules: [{ status: 503 }] });
  const opened = await stack.openIssue({
    title: 'Add an audit table',
    body: 'Add a database migration that creates an audit table.',
  });
  const handle = stack.client.workflow.getHandle(
    issueWorkflowId({ owner: stack.owner, repo: stack.repo, number: opened.number }),
  );
  let status: IssueStatus | undefined;
  for (let i = 0; i < 600 && status?.phase !== 'paused'; i++) {
    status = await handle.query(statusQuery).catch(() => undefined);
    if (status?.phase !== 'paused') await new Promise((r) => setTimeout(r, 100));
  }
  expect(status?.phase).toBe('paused');
  expect(status?.paused?.reason).toMatch(/database agent waits for the model \(unavailable: /);
  expect(status?.agents.map((a) => [a.agent, a.state])).toEqual([['database', 'running']]);
  const shown = await runBlogtube(stack, [
    'status',
    `${stack.owner}/${stack.repo}#${opened.number}`,
  ]);
  expect(shown.stdout).toMatch(/phase\s+paused/);
  expect(shown.stdout).toMatch(/waits for the model/);

  // The outage ends: the agent calls again, resumes and the run finishes.
  await stack.sim('anthropic', 'DELETE', '/_sim/faults');
  const result = (await handle.result()) as IssueWorkflowResult;
  expect([result.phase, result.failedAgents]).toEqual(['done', []]);
  const after = await handle.query(statusQuery);
  expect(after.paused).toBeUndefined();
});
