/**
 * The worker processes as they run in production (`node dist/workers/*.js`):
 * /healthz, /readyz and /metrics on each worker's metrics port, the Temporal
 * Core SDK's own Prometheus endpoint, JSON log lines with workflow context,
 * and a graceful SIGTERM: the model worker stops taking work (not ready), lets
 * the model call in flight finish — it is not retried — and exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { agentWorkflowId, issueWorkflowId } from '../../common/ids.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import type { SimRequestRecord } from '../../sandbox/anthropic/state.js';
import { freePort } from '../../scripts/net.js';
import { Scrape } from '../support/prom-text.js';
import { dashboardExpressions, metricNamesIn } from '../support/promql-names.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';
import { pidOfIdentity, spawnWorker } from '../support/worker-process.js';
import type { WorkerKind, WorkerProcess } from '../support/worker-process.js';

const BACKEND_ISSUE = {
  title: 'Add an API endpoint that lists playlists',
  body: 'The server needs GET /api/playlists returning the playlists as JSON.',
};

interface Spawned {
  proc: WorkerProcess;
  url: string;
  coreUrl: string;
}

let stack: Stack;
const spawned: Spawned[] = [];

async function start(kind: WorkerKind): Promise<Spawned> {
  const [port, core] = [await freePort(), await freePort()];
  const prefix = kind === 'orchestrator' ? 'ORCHESTRATOR' : 'MODEL_WORKER';
  const proc = spawnWorker(kind, {
    ...stack.env,
    LOG_LEVEL: 'debug',
    LOG_FORMAT: 'json',
    WORKER_SHUTDOWN_GRACE_MS: '60000',
    [`${prefix}_METRICS_PORT`]: String(port),
    [`${prefix}_CORE_METRICS_PORT`]: String(core),
  });
  const s = { proc, url: `http://127.0.0.1:${port}`, coreUrl: `http://127.0.0.1:${core}` };
  spawned.push(s);
  await proc.ready;
  return s;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function logLines(p: WorkerProcess): Record<string, unknown>[] {
  return p
    .output()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`${p.kind} worker wrote a line that is not JSON: ${l}`);
      }
    });
}

let orchestrator: Spawned;
let models: Spawned[];

beforeAll(async () => {
  stack = await startStack({ inline: { orchestrator: false, model: false } });
  [orchestrator, ...models] = await Promise.all([
    start('orchestrator'),
    start('model'),
    start('model'),
  ]);
});
afterAll(async () => {
  await Promise.all(spawned.map((s) => s.proc.kill('SIGKILL')));
  await stack?.stop();
});

describe('worker processes: health, metrics, logs, graceful shutdown', () => {
  it('each worker is alive and ready (polling, connected to Temporal) and serves its metrics', async () => {
    for (const s of [orchestrator, ...models]) {
      // Alive and under the production profile's memory threshold (2048 MiB).
      const health = await getJson(`${s.url}/healthz`);
      expect(health).toMatchObject({ status: 200, body: { ok: true, thresholdMb: 2048 } });
      expect(health.body.rssMb).toBeGreaterThan(0);
      const ready = await getJson(`${s.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        ok: true,
        state: 'RUNNING',
        activityPoller: 'POLLING',
        temporal: 'ok',
      });
      const role = s.proc.kind;
      const scrape = await Scrape.from(`${s.url}/metrics`);
      expect(scrape.sum('blogtube_process_resident_memory_bytes', { role })).toBeGreaterThan(0);
      expect(scrape.sum('blogtube_memory_threshold_bytes', { role })).toBe(2048 * 2 ** 20);
      expect(scrape.sum('blogtube_process_heap_used_bytes', { role })).toBeGreaterThan(0);
    }
    expect((await getJson(`${orchestrator.url}/readyz`)).body.workflowPoller).toBe('POLLING');
  });

  it('reports each worker process’s memory when idle', async () => {
    // Measured here, reported in README ("Metrics"); no threshold asserted (shared machine).
    const sizes: string[] = [];
    for (const s of [orchestrator, ...models]) {
      const scrape = await Scrape.from(`${s.url}/metrics`);
      const rss = scrape.sum('blogtube_process_resident_memory_bytes') as number;
      const heap = scrape.sum('blogtube_process_heap_used_bytes') as number;
      expect(rss).toBeGreaterThan(heap);
      sizes.push(
        `${s.proc.kind} RSS ${(rss / 2 ** 20).toFixed(0)} MiB, heap ${(heap / 2 ** 20).toFixed(0)} MiB`,
      );
    }
    console.log(`idle worker processes: ${sizes.join('; ')}`);
  });

  it('SIGTERM: not ready at once, the model call in flight finishes (no retry), the worker exits 0', async () => {
    // Slow first tokens, so the call is still in flight when the worker is told to stop.
    await stack.sim('anthropic', 'POST', '/_sim/latency', { ttftMs: 4000 });
    const opened = await stack.openIssue(BACKEND_ISSUE);
    const ref = { owner: stack.owner, repo: stack.repo, number: opened.number };
    const requests = async () =>
      ((await stack.sim('anthropic', 'GET', '/_sim/requests')) as SimRequestRecord[]).filter(
        (r) => r.issue === opened.number && r.agent === 'backend',
      );
    await until('the first backend call', async () =>
      (await requests()).length > 0 ? true : undefined,
    );
    const child = stack.client.workflow.getHandle(agentWorkflowId(ref, 'backend'));
    const victim = await until('the worker running the call', async () => {
      const d = await child.describe();
      const pid = pidOfIdentity(d.raw.pendingActivities?.[0]?.lastWorkerIdentity);
      return models.find((m) => m.proc.pid === pid);
    });

    // kill() resolves on exit: meanwhile, readiness is polled.
    const stopped = victim.proc.kill('SIGTERM');
    const notReady = await until('the victim to report not ready', async () => {
      const r = await getJson(`${victim.url}/readyz`).catch(() => undefined);
      return r && r.status === 503 ? r : undefined;
    }).catch((err: unknown) => err as Error);
    await stack.sim('anthropic', 'POST', '/_sim/latency', { ttftMs: 0 });
    await stopped;
    const exit = await victim.proc.exited;

    const result = (await stack.client.workflow
      .getHandle(issueWorkflowId(ref))
      .result()) as IssueWorkflowResult;
    expect(result.phase).toBe('done');
    expect(notReady).not.toBeInstanceOf(Error);
    expect((notReady as { body: Record<string, unknown> }).body.ok).toBe(false);
    expect((notReady as { body: Record<string, unknown> }).body.state).not.toBe('RUNNING');
    expect(exit).toEqual({ code: 0, signal: null });
    const firstTurn = (await requests()).filter((r) => r.turn === 0);
    expect(firstTurn.map((r) => r.status)).toEqual([200]);
    const lines = logLines(victim.proc);
    expect(lines.map((l) => l.msg)).toContain('model worker stopped');
  });

  it('logs are JSON lines with workflow id, run id, agent and attempt; the Core SDK exports its own metrics', async () => {
    const workflowLine = logLines(orchestrator.proc).find(
      (l) => l.msg === 'Workflow started' && l.workflowType === 'agentWorkflow',
    );
    expect(workflowLine).toMatchObject({ name: 'orchestrator', agent: 'backend', attempt: 1 });
    expect(String(workflowLine?.workflowId)).toMatch(/\/agent:backend$/);
    expect(typeof workflowLine?.runId).toBe('string');
    const activityLines = models
      .flatMap((m) => logLines(m.proc))
      .filter((l) => l.activityType === 'callModel');
    expect(activityLines.length).toBeGreaterThan(0);
    for (const l of activityLines) {
      expect(l).toMatchObject({ name: 'model', agent: 'backend' });
      expect(typeof l.attempt).toBe('number');
      expect(typeof l.runId).toBe('string');
      expect(l.taskToken).toBeUndefined();
    }
    const everything = [orchestrator, ...models].map((s) => s.proc.output()).join('\n');
    for (const secret of [stack.env.GITHUB_TOKEN, stack.env.ANTHROPIC_API_KEY]) {
      expect(everything.includes(secret as string)).toBe(false);
    }

    // The Core SDK's endpoint: every temporal_* name the dashboard uses is exported.
    const cores = await Promise.all(
      [orchestrator, ...models].map((s) =>
        Scrape.from(`${s.coreUrl}/metrics`).catch(() => undefined),
      ),
    );
    const orchestratorCore = cores[0] as Scrape;
    expect(orchestratorCore.sum('temporal_workflow_completed')).toBeGreaterThanOrEqual(2);
    expect(orchestratorCore.find('temporal_num_pollers').length).toBeGreaterThan(0);
    const exported = new Set(cores.flatMap((c) => (c ? [...c.names()] : [])));
    const used = dashboardExpressions()
      .flatMap(metricNamesIn)
      .filter((n) => n.startsWith('temporal_'));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((n) => !exported.has(n))).toEqual([]);

    const after = await Scrape.from(`${orchestrator.url}/metrics`);
    console.log(
      `orchestrator after a run: RSS ${((after.sum('blogtube_process_resident_memory_bytes') as number) / 2 ** 20).toFixed(0)} MiB`,
    );
  });
});
