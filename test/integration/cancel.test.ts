/**
 * Stopping saves work: a run cancelled mid-way pushes what its finished agents
 * wrote and opens a draft PR that says why it stopped.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { WorkflowFailedError } from '@temporalio/client';
import { issueWorkflowId } from '../../common/ids.js';
import { statusQuery } from '../../common/workflow-api.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  // Slow model answers so the run is still going when the test cancels it.
  stack = await startStack({ ttftMs: 150 });
});
afterAll(async () => {
  await stack?.stop();
});

it('a cancelled run keeps the finished agents’ commits and opens a draft PR saying it was cancelled', async () => {
  const opened = await stack.openIssue({
    title: 'Add playlists',
    body: 'Add a playlists table in the database, API endpoints for it, and a UI component.',
  });
  const ref = { owner: stack.owner, repo: stack.repo, number: opened.number };
  const handle = stack.client.workflow.getHandle(issueWorkflowId(ref));
  for (let i = 0; i < 300; i++) {
    const status = await handle.query(statusQuery);
    if (status.agents.find((a) => a.agent === 'database')?.state === 'done') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await handle.cancel();
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);

  const status = await handle.query(statusQuery);
  expect(status.phase).toBe('cancelled');
  expect(status.agents.find((a) => a.agent === 'database')?.state).toBe('done');
  expect(status.agents.filter((a) => a.state === 'skipped').length).toBeGreaterThan(0);

  const state = (await stack.sim(
    'github',
    'GET',
    `/_sim/state?repo=${stack.owner}/${stack.repo}`,
  )) as {
    pulls: { head: string; draft: boolean; body: string }[];
  };
  const pulls = state.pulls.filter((p) => p.head === status.branch);
  expect(pulls).toHaveLength(1);
  expect(pulls[0]?.draft).toBe(true);
  expect(pulls[0]?.body).toMatch(/cancelled/);
  const log = (await stack.sim(
    'github',
    'GET',
    `/_sim/repos/${stack.owner}/${stack.repo}/log?ref=${encodeURIComponent(status.branch!)}`,
  )) as { message: string }[];
  expect(log.map((c) => c.message)).toContainEqual(
    expect.stringContaining('BlogTube-Agent: database'),
  );
});
