/**
 * The GitHub Actions path (examples/github-actions/blogtube.yml): `blogtube
 * trigger`, run as a real process with only what an Actions job has (the event
 * name and payload file, a GitHub token, Temporal's address and the codec
 * keys), starts the run the bridge would have started; a second job for the
 * same issue starts nothing new; a comment command from a maintainer reaches
 * the running workflow.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { issueWorkflowId } from '../../common/ids.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import { createOctokit } from '../../common/github-client.js';
import { SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

const BIN = fileURLToPath(new URL('../../bin/blogtube.js', import.meta.url));

let stack: Stack;
let dir: string;
beforeAll(async () => {
  stack = await startStack();
  dir = mkdtempSync(join(tmpdir(), 'blogtube-trigger-'));
});
afterAll(async () => {
  await stack?.stop();
});

function trigger(
  event: string,
  payload: unknown,
  runId: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(dir, `${runId}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'trigger', '--json'],
      {
        // What the example workflow passes (GitHub Actions sets the GITHUB_* ones).
        env: {
          PATH: process.env.PATH,
          GITHUB_EVENT_NAME: event,
          GITHUB_EVENT_PATH: file,
          GITHUB_RUN_ID: runId,
          GITHUB_RUN_ATTEMPT: '1',
          GITHUB_TOKEN: SANDBOX_TOKENS.bot,
          GITHUB_API_URL: stack.github.url,
          TEMPORAL_ADDRESS: stack.settings.TEMPORAL_ADDRESS,
          ORCHESTRATOR_TASK_QUEUE: stack.settings.ORCHESTRATOR_TASK_QUEUE,
          MODEL_TASK_QUEUE: stack.settings.MODEL_TASK_QUEUE,
          BLOGTUBE_CODEC_KEYS: stack.env.BLOGTUBE_CODEC_KEYS,
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

it('starts the run from the Actions event, once, and hands it comment commands', async () => {
  const octokit = createOctokit(stack.github.url, SANDBOX_TOKENS.maintainer);
  const [{ data: repository }, { data: issue }] = await Promise.all([
    octokit.rest.repos.get({ owner: stack.owner, repo: stack.repo }),
    octokit.rest.issues.create({
      owner: stack.owner,
      repo: stack.repo,
      title: 'Add playlists',
      body: 'Users can group videos into playlists: a table, an API endpoint and a page.',
    }),
  ]);
  const payload = { action: 'opened', issue, repository, sender: issue.user };
  const ref = { owner: stack.owner, repo: stack.repo, number: issue.number };

  const first = await trigger('issues', payload, '1001');
  expect([first.code, first.stderr]).toEqual([0, '']);
  expect(JSON.parse(first.stdout)).toMatchObject({
    event: 'issues',
    deliveryId: 'actions-1001-1',
    status: 201,
    reply: { result: 'started', workflowId: issueWorkflowId(ref) },
  });

  // The same event again (a re-run job): signals the same run (signalWithStart), no second run.
  const again = await trigger('issues', payload, '1002');
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout).reply.workflowId).toBe(issueWorkflowId(ref));

  const result = (await stack.client.workflow
    .getHandle(issueWorkflowId(ref))
    .result()) as IssueWorkflowResult;
  expect(result.phase).toBe('done');
  const runs = stack.client.workflow.list({ query: `WorkflowId = "${issueWorkflowId(ref)}"` });
  let count = 0;
  for await (const _ of runs) count++;
  expect(count).toBe(1);

  // Not an event BlogTube handles: answered, exit 0, nothing started.
  const other = await trigger('issues', { ...payload, action: 'pinned' }, '1003');
  expect([other.code, JSON.parse(other.stdout).reply.result]).toEqual([0, 'ignored']);
});

it('refuses without an event, and in live mode lists what is missing', async () => {
  const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [BIN, 'trigger'],
      // Outside the checkout: the CLI would pick up npm start's development key there.
      { cwd: dir, env: { PATH: process.env.PATH, BLOGTUBE_MODE: 'live' } },
      (err, _o, stderr) =>
        resolve({ code: err && typeof err.code === 'number' ? err.code : 0, stderr }),
    ),
  );
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--event and --payload/);
  const file = join(dir, 'p.json');
  writeFileSync(file, '{}');
  const live = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [BIN, 'trigger', '--event', 'issues', '--payload', file],
      // Outside the checkout: the CLI would pick up npm start's development key there.
      { cwd: dir, env: { PATH: process.env.PATH, BLOGTUBE_MODE: 'live' } },
      (err, _o, stderr) =>
        resolve({ code: err && typeof err.code === 'number' ? err.code : 0, stderr }),
    ),
  );
  expect(live.code).toBe(2);
  expect(live.stderr).toMatch(/BLOGTUBE_MODE=live: the trigger cannot start/);
  expect(live.stderr).toMatch(/TEMPORAL_ADDRESS/);
  expect(live.stderr).toMatch(/GITHUB_APP_ID/);
  expect(live.stderr).toMatch(/BLOGTUBE_CODEC_KEYS/);
});
