/**
 * Crash anything, lose nothing: workers run as real processes and are killed
 * with SIGKILL at the worst moments — a model call streaming, a run in the
 * middle, a GitHub write that landed but whose answer never arrived. Every run
 * still ends with exactly one commit per agent, one PR and one progress comment.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { agentWorkflowId } from '../../common/ids.js';
import type { SimRequestRecord } from '../../sandbox/anthropic/state.js';
import type { LoggedRequest } from '../../sandbox/github/controls.js';
import { agentCommits, repoChecks } from '../support/repo-checks.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';
import { pidOfIdentity, spawnWorker } from '../support/worker-process.js';
import type { WorkerProcess } from '../support/worker-process.js';

const BACKEND_ISSUE = {
  title: 'Add an API endpoint that lists playlists',
  body: 'The server needs GET /api/playlists returning the playlists as JSON.',
};

let stack: Stack;
const orchestrators: WorkerProcess[] = [];
const models: WorkerProcess[] = [];

async function startWorker(kind: 'orchestrator' | 'model'): Promise<WorkerProcess> {
  const w = spawnWorker(kind, stack.env);
  (kind === 'orchestrator' ? orchestrators : models).push(w);
  await w.ready;
  return w;
}

const alive = (ws: WorkerProcess[]) => ws.filter((w) => !w.killed());

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const modelRequests = async () =>
  (await stack.sim('anthropic', 'GET', '/_sim/requests')) as SimRequestRecord[];
const githubRequests = async () =>
  (await stack.sim('github', 'GET', '/_sim/requests')) as LoggedRequest[];

/** The run left exactly one commit per finished agent, one PR, one progress comment. */
async function expectNoDuplicates(n: number) {
  const checks = repoChecks(stack);
  const { result, status } = await checks.finished(n);
  expect(result.phase).toBe('done');
  const commits = agentCommits(await checks.branchLog(n));
  expect([...commits.keys()].sort()).toEqual(status.agents.map((a) => a.agent).sort());
  expect([...commits].filter(([, c]) => c !== 1)).toEqual([]); // [agent, commits] if not one
  expect(await checks.pullsFor(n)).toHaveLength(1);
  expect(await checks.progressComments(n)).toHaveLength(1);
  return { result, status };
}

beforeAll(async () => {
  // Slow streams, so that a kill lands while a response is arriving.
  stack = await startStack({
    inline: { orchestrator: false, model: false },
    ttftMs: 200,
    tokensPerSec: 60,
  });
  await Promise.all([startWorker('orchestrator'), startWorker('model'), startWorker('model')]);
});

afterEach(async () => {
  await stack.sim('github', 'DELETE', '/_sim/faults');
  await stack.sim('anthropic', 'DELETE', '/_sim/scenario');
});

afterAll(async () => {
  await Promise.all([...orchestrators, ...models].map((w) => w.kill('SIGTERM')));
  await stack?.stop();
});

describe('crash recovery with real worker processes', () => {
  it('SIGKILL of the model worker during an agent’s third call: the other worker retries that call only', async () => {
    await stack.sim('anthropic', 'POST', '/_sim/scenario', {
      agents: { backend: { extraTurns: 2 } },
    });
    const opened = await stack.openIssue(BACKEND_ISSUE);
    const isThirdCall = (r: SimRequestRecord) =>
      r.issue === opened.number &&
      r.repo?.endsWith(`/${stack.repo}`) &&
      r.agent === 'backend' &&
      r.turn === 2;
    await until('the third backend call', async () => (await modelRequests()).find(isThirdCall));

    // The process running the call, from the activity's worker identity.
    const child = stack.client.workflow.getHandle(
      agentWorkflowId(repoChecks(stack).ref(opened.number), 'backend'),
    );
    const victim = await until('the worker running the call', async () => {
      const d = await child.describe();
      const pending = d.raw.pendingActivities?.find((a) => a.lastWorkerIdentity);
      const pid = pidOfIdentity(pending?.lastWorkerIdentity);
      return models.find((m) => m.pid === pid);
    });
    await victim.kill('SIGKILL');
    const killedAt = Date.now();

    const retried = await until('the retried third call', async () => {
      const calls = (await modelRequests()).filter(isThirdCall);
      return calls.length >= 2 ? calls[1] : undefined;
    });
    const recoveryMs = Date.parse(retried.at) - killedAt;
    process.stderr.write(`[crash-recovery] model worker kill → call retried in ${recoveryMs} ms\n`);

    const { status } = await expectNoDuplicates(opened.number);
    // Finished turns were not played again: every turn once, the killed one twice.
    const turns = (await modelRequests())
      .filter((r) => r.issue === opened.number && r.agent === 'backend' && r.status === 200)
      .map((r) => r.turn);
    const backend = status.agents.find((a) => a.agent === 'backend');
    expect(backend?.turns).toBeGreaterThanOrEqual(4);
    const expected = Array.from({ length: backend?.turns ?? 0 }, (_, t) => t);
    expected.splice(3, 0, 2);
    expect(turns).toEqual(expected);
    expect(backend?.attempts).toBe(1);
    await startWorker('model'); // two model workers again for the next tests
  });

  it('SIGKILL of the orchestrator mid-run, then a restart: the run completes with the same guarantees', async () => {
    const opened = await stack.openIssue(BACKEND_ISSUE);
    await until('the agent at work', async () =>
      (await modelRequests()).find((r) => r.issue === opened.number && r.turn === 1),
    );
    for (const o of alive(orchestrators)) await o.kill('SIGKILL');
    await startWorker('orchestrator');
    await expectNoDuplicates(opened.number);
  });

  it('a GitHub write lands but the worker dies before it hears back, for each kind of write: nothing is written twice', async () => {
    const writes = [
      { kind: 'branch', method: 'POST', path: '/git/refs$' },
      { kind: 'progress comment', method: 'POST', path: '/issues/\\d+/comments$' },
      { kind: 'agent commit', method: 'PATCH', path: '/git/refs/heads(/|%2F)' },
      { kind: 'pull request', method: 'POST', path: '/pulls$' },
    ];
    await stack.sim('github', 'DELETE', '/_sim/requests');
    await stack.sim('github', 'POST', '/_sim/faults', {
      rules: writes.map((w) => ({ method: w.method, path: w.path, holdMs: 30_000, count: 1 })),
    });
    const opened = await stack.openIssue(BACKEND_ISSUE);
    const handle = stack.client.workflow.getHandle(
      `issue:${stack.owner}/${stack.repo}#${opened.number}`,
    );
    const killedDuring: string[] = [];
    let seen = 0;
    for (;;) {
      const held = await until('a held write or the end of the run', async () => {
        const h = (await githubRequests()).filter((r) => r.heldMs);
        if (h.length > seen) return h[seen];
        const d = await handle.describe();
        return d.status.name === 'RUNNING' ? undefined : null;
      });
      if (held === null) break;
      seen++;
      const kind = writes.find(
        (w) => w.method === held.method && new RegExp(w.path).test(held.path.split('?')[0] ?? ''),
      );
      killedDuring.push(kind?.kind ?? `${held.method} ${held.path}`);
      for (const o of alive(orchestrators)) await o.kill('SIGKILL');
      await startWorker('orchestrator');
    }
    expect(killedDuring.sort()).toEqual(writes.map((w) => w.kind).sort());
    await expectNoDuplicates(opened.number);
    // Each write was made once: the retries found what the killed attempt had written.
    const requests = await githubRequests();
    const made = (method: string, path: string) =>
      requests.filter(
        (r) =>
          r.method === method &&
          new RegExp(path).test(r.path.split('?')[0] ?? '') &&
          r.status < 300,
      );
    expect(made('POST', '/git/refs$')).toHaveLength(1);
    expect(made('POST', `/issues/${opened.number}/comments$`)).toHaveLength(1);
    expect(made('POST', '/pulls$')).toHaveLength(1);
    expect(made('PATCH', '/git/refs/heads(/|%2F)')).toHaveLength(1);
    // Four kills, each waiting out a held write's timeout: more than the default budget on a loaded machine.
  }, 240_000);
});
