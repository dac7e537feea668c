/**
 * Scale-out: two model worker processes on one task queue share one batch of
 * issues. Each process has one model slot (MODEL_SLOTS=1) and the task queue a
 * cluster-wide rate limit (MODEL_TASK_QUEUE_RATE_LIMIT), so whenever two model
 * calls are pending, the second goes to the other process. The proof is in
 * Temporal's history: the identity on each callModel's ActivityTaskStarted
 * event names the process that ran it.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { agentWorkflowId, issueWorkflowId } from '../../common/ids.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';
import { pidOfIdentity, spawnWorker } from '../support/worker-process.js';
import type { WorkerProcess } from '../support/worker-process.js';

const ISSUES = 4;

let stack: Stack;
const models: WorkerProcess[] = [];
beforeAll(async () => {
  stack = await startStack({
    ttftMs: 40,
    tokensPerSec: 4000,
    inline: { model: false },
    // No area leases here: the point is concurrency on the model task queue.
    env: { AREA_LIMITS: '', MODEL_SLOTS: '1', MODEL_TASK_QUEUE_RATE_LIMIT: '200' },
  });
  for (let i = 0; i < 2; i++) models.push(spawnWorker('model', stack.env));
  await Promise.all(models.map((m) => m.ready));
});
afterAll(async () => {
  await Promise.all(models.map((m) => m.kill('SIGTERM')));
  await stack?.stop();
});

it('two model worker processes both run model calls of the same batch', async () => {
  const opened = await Promise.all(
    Array.from({ length: ISSUES }, (_, i) =>
      stack.openIssue({
        title: `Add playlists, part ${i + 1}`,
        body: 'Users can group videos into playlists: a table, an API endpoint and a page.',
      }),
    ),
  );
  const refs = opened.map((o) => ({ owner: stack.owner, repo: stack.repo, number: o.number }));
  const results = await Promise.all(
    refs.map(
      (ref) =>
        stack.client.workflow
          .getHandle(issueWorkflowId(ref))
          .result() as Promise<IssueWorkflowResult>,
    ),
  );
  expect(results.map((r) => r.phase)).toEqual(Array(ISSUES).fill('done'));

  // callModel's ActivityTaskStarted events, across every agent of every issue.
  const byPid = new Map<number | undefined, number>();
  for (const ref of refs) {
    const status = await stack.client.workflow.getHandle(issueWorkflowId(ref)).query(statusQuery);
    for (const agent of status.agents.map((a) => a.agent)) {
      const history = await stack.client.workflow
        .getHandle(agentWorkflowId(ref, agent))
        .fetchHistory();
      const events = history.events ?? [];
      const scheduled = new Set(
        events
          .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel')
          .map((e) => String(e.eventId)),
      );
      for (const e of events) {
        const started = e.activityTaskStartedEventAttributes;
        if (!started || !scheduled.has(String(started.scheduledEventId))) continue;
        const pid = pidOfIdentity(started.identity);
        byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
      }
    }
  }
  process.stderr.write(
    `[scale-out] model calls per worker process: ${JSON.stringify(Object.fromEntries(byPid))}\n`,
  );
  expect(new Set(byPid.keys())).toEqual(new Set(models.map((m) => m.pid)));
  for (const m of models) expect(byPid.get(m.pid)).toBeGreaterThan(0);
});
