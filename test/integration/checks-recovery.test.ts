/**
 * Workspace workers as real processes while a check runs: the worker running
 * the check is SIGKILLed; the check's call stops heartbeating, the check is
 * run again from a new workspace on the other worker, and the head commit
 * ends with one status per (sha, check) and state.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createOctokit } from '../../common/github-client.js';
import { issueBranch, issueWorkflowId } from '../../common/ids.js';
import { SANDBOX_TOKENS } from '../../sandbox/github/server.js';
import { databaseOnlyConfig } from '../support/configs.js';
import { repoChecks } from '../support/repo-checks.js';
import { makeSandboxRoot } from '../support/sandbox-dirs.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';
import { waitFor } from '../support/tmp.js';
import { pidOfIdentity, spawnWorker } from '../support/worker-process.js';
import type { WorkerProcess } from '../support/worker-process.js';

jest.setTimeout(600_000);

// The check sleeps first, so it is surely running when its worker is killed.
const CONFIG = [
  databaseOnlyConfig(16),
  'workspace:',
  '  test: npm test',
  'checks:',
  "  - { name: test, run: 'sleep 8; npm test', timeout_seconds: 120 }",
  '',
].join('\n');

let stack: Stack;
let root: string;
let cleanup: () => Promise<void>;
const workers: WorkerProcess[] = [];

async function startWorkspaceWorker(name: string): Promise<WorkerProcess> {
  const w = spawnWorker('workspace', {
    ...stack.env,
    WORKSPACE_ROOT: join(root, name),
    WORKSPACE_WORKER_METRICS_PORT: '0',
    WORKSPACE_WORKER_CORE_METRICS_PORT: '',
  });
  workers.push(w);
  await w.ready;
  return w;
}

beforeAll(async () => {
  const tmp = await makeSandboxRoot('blogtube-chkr-');
  root = tmp.dir;
  cleanup = tmp.cleanup;
  stack = await startStack({ workspace: { root: join(root, 'unused'), inline: false } });
  await stack.commitFile('.github/blogtube.yml', CONFIG);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await stack?.stop();
  await cleanup?.();
});

describe('a check whose workspace worker dies', () => {
  it('SIGKILL of the workspace worker during a check: the check runs again elsewhere, one status per (sha, check) and state', async () => {
    const [a, b] = await Promise.all([startWorkspaceWorker('a'), startWorkspaceWorker('b')]);
    const opened = await stack.openIssue({
      title: 'Add tags: videos can be tagged',
      body: 'A tags table in the database.',
    });
    const checks = repoChecks(stack);
    const run = stack.client.workflow.getHandle(issueWorkflowId(checks.ref(opened.number)));

    let victim: WorkerProcess | undefined;
    await waitFor(
      async () => {
        const d = await run.describe().catch(() => undefined);
        const check = d?.raw.pendingActivities?.find(
          (p) => p.activityType?.name === 'workspaceCheck' && p.lastWorkerIdentity,
        );
        const pid = pidOfIdentity(check?.lastWorkerIdentity);
        victim = [a, b].find((w) => w.pid === pid);
        return victim !== undefined;
      },
      300_000,
      'the check running on a workspace worker',
    );
    await victim!.kill('SIGKILL');

    const { result, status } = await checks.finished(opened.number);
    expect(result.phase).toBe('done');
    expect(status.checks?.results.map((r) => [r.name, r.outcome])).toEqual([['test', 'passed']]);

    // The check ran twice (the second time on the survivor), from two workspaces.
    const events = (await run.fetchHistory()).events ?? [];
    const scheduled = (name: string) =>
      events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
    expect(scheduled('workspaceCheck')).toHaveLength(2);
    expect(scheduled('workspaceCreate')).toHaveLength(2);
    const second = scheduled('workspaceCheck')[1];
    const started = events.find(
      (e) =>
        e.activityTaskStartedEventAttributes &&
        String(e.activityTaskStartedEventAttributes.scheduledEventId) === String(second?.eventId),
    );
    const survivor = victim === a ? b : a;
    expect(pidOfIdentity(started?.activityTaskStartedEventAttributes?.identity)).toBe(survivor.pid);

    // One status per (sha, check) and state on the head: pending once, success once.
    const octokit = createOctokit(stack.github.url, SANDBOX_TOKENS.maintainer);
    const statuses = await octokit.paginate(octokit.rest.repos.listCommitStatusesForRef, {
      owner: stack.owner,
      repo: stack.repo,
      ref: status.branch ?? issueBranch(checks.ref(opened.number)),
      per_page: 100,
    });
    expect(statuses.map((s) => [s.context, s.state]).sort()).toEqual([
      ['blogtube/test', 'pending'],
      ['blogtube/test', 'success'],
    ]);
    const [pr] = await checks.pullsFor(opened.number);
    expect(pr?.draft).toBe(false);
  });
});
