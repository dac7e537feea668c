/**
 * Issue 16, property 10: a maintainer's command is never lost because the
 * bridge was briefly unhealthy. GitHub (the simulator, App webhook on) delivers
 * a maintainer's new issue to the real bridge while GitHub itself fails the
 * bridge's permission check: the bridge answers 503 and GitHub records the
 * delivery as failed, and nothing was started. The redelivery job's Temporal
 * Schedule, triggered on the dev server, runs `redeliveryWorkflow` on a
 * worker holding the App's credentials: it lists the App's deliveries
 * (App JWT), asks for the failed one again, and the run starts. A second pass
 * redelivers nothing.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createRedeliveryActivities } from '../../activities/redelivery.js';
import type { RedeliveryResult } from '../../activities/redelivery.js';
import {
  ensureRedeliverySchedule,
  REDELIVERY_SCHEDULE_ID,
} from '../../client/redelivery-schedule.js';
import { createDataConverter } from '../../common/codec.js';
import { createOctokit } from '../../common/github-client.js';
import { issueWorkflowId } from '../../common/ids.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import type { HookDelivery } from '../../sandbox/github/hooks.js';
import { SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import { startStack, WEBHOOK_SECRET } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

jest.setTimeout(300_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.client.schedule
    .getHandle(REDELIVERY_SCHEDULE_ID)
    .delete()
    .catch(() => undefined);
  await stack?.stop();
});

const deliveries = () => stack.sim('github', 'GET', '/_sim/hooks') as Promise<HookDelivery[]>;

/** The deliveries once every one has an answer (none pending). */
async function answered(count: number): Promise<HookDelivery[]> {
  for (let i = 0; i < 300; i++) {
    const all = await deliveries();
    if (all.length >= count && all.every((d) => d.status !== 'pending')) return all;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fewer than ${count} answered deliveries`);
}

it('a delivery the bridge failed is redelivered by the scheduled job, and the run starts', async () => {
  const app = (await stack.sim('github', 'POST', '/_sim/hooks', {
    url: `${stack.bridgeUrl}/webhooks`,
    secret: WEBHOOK_SECRET,
  })) as { appId: number; privateKey: string };

  // The bridge is briefly unhealthy: GitHub answers its permission check with a 500, once.
  await stack.sim('github', 'POST', '/_sim/faults', {
    rules: [{ method: 'GET', path: '/collaborators/.*/permission$', status: 500, count: 1 }],
  });
  const maintainer = createOctokit(stack.github.url, SANDBOX_TOKENS.maintainer);
  const { data: issue } = await maintainer.rest.issues.create({
    owner: stack.owner,
    repo: stack.repo,
    title: 'Add a health endpoint to the API',
    body: 'Add GET /api/health returning {"ok": true}.',
  });
  const [failed] = await answered(1);
  expect(failed).toMatchObject({ event: 'issues', action: 'opened', status_code: 503 });
  const handle = stack.client.workflow.getHandle(
    issueWorkflowId({ owner: stack.owner, repo: stack.repo, number: issue.number }),
  );
  await expect(handle.describe()).rejects.toThrow(/not found/i);

  // The job: its schedule on the dev server, its workflow on a worker with the App's key.
  const taskQueue = `redelivery-${Date.now()}`;
  const appOctokit = new Octokit({
    baseUrl: stack.github.url,
    authStrategy: createAppAuth,
    auth: app,
  });
  const connection = await NativeConnection.connect({ address: stack.settings.TEMPORAL_ADDRESS });
  try {
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('../../workflows/redelivery.ts', import.meta.url)),
      activities: createRedeliveryActivities({ app: appOctokit }),
      dataConverter: createDataConverter(stack.env),
      shutdownGraceTime: '1s',
    });
    expect(await ensureRedeliverySchedule(stack.client, { taskQueue, everyMinutes: 60 })).toBe(
      true,
    );
    expect(await ensureRedeliverySchedule(stack.client, { taskQueue })).toBe(false); // idempotent
    const schedule = stack.client.schedule.getHandle(REDELIVERY_SCHEDULE_ID);

    /** Triggers one pass of the schedule and returns its workflow's result. */
    const pass = async (): Promise<RedeliveryResult> => {
      const before = (await schedule.describe()).info.recentActions.length;
      await schedule.trigger();
      for (let i = 0; i < 600; i++) {
        const actions = (await schedule.describe()).info.recentActions;
        const started = actions[before];
        if (started) {
          const run = stack.client.workflow.getHandle(
            started.action.workflow.workflowId,
            started.action.workflow.firstExecutionRunId,
          );
          return (await run.result()) as RedeliveryResult;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the schedule never started its workflow');
    };

    // One worker run for both passes (a worker runs once).
    await worker.runUntil(async () => {
      const first = await pass();
      expect(first).toEqual({ checked: 1, redelivered: [failed!.id] });
      const all = await answered(2);
      expect(all[0]).toMatchObject({ guid: failed!.guid, redelivery: true, status_code: 201 });
      const result = (await handle.result()) as IssueWorkflowResult;
      expect(result.phase).toBe('done');

      // Nothing failed is left (the run's own comments were delivered too, and answered 202):
      // the next pass asks for nothing.
      const second = await pass();
      expect(second.redelivered).toEqual([]);
      expect(second.checked).toBeGreaterThanOrEqual(2);
      const after = await answered(second.checked);
      expect(after.filter((d) => d.redelivery)).toHaveLength(1);
      expect(after.filter((d) => d.status_code >= 300).map((d) => d.id)).toEqual([failed!.id]);
    });
  } finally {
    await connection.close();
  }
});
