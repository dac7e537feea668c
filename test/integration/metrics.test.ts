/**
 * Metrics after a real run: the bridge serves /metrics on its own port, each
 * worker's registry is served by the same server code the worker processes
 * use, and after one full-crew issue (with one injected GitHub 500, which the
 * breaker — threshold 1 here — answers by opening) every documented series is
 * there with sane values.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import { issueWorkflowId } from '../../common/ids.js';
import { statusQuery } from '../../common/workflow-api.js';
import type { WorkerMetrics } from '../../common/metrics.js';
import { bridgeObserver, clientReadiness } from '../../common/metrics-bridge.js';
import { startMetricsServer } from '../../common/metrics-server.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import { serverUrl } from '../../client/bridge.js';
import { FULL_CREW_ISSUE } from '../../sandbox/issues.js';
import { Scrape } from '../support/prom-text.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

/** A port nobody answers on: bound, then every connection is closed at once. */
async function closedPort(): Promise<{ port: number; close(): void }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, close: () => server.close() };
}

let stack: Stack;
const servers: Server[] = [];

async function serve(metrics: WorkerMetrics | undefined): Promise<string> {
  if (!metrics) throw new Error('the stack has no such worker');
  const server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    registry: metrics.registry,
    ready: async () => ({ ready: true, checks: {} }),
  });
  servers.push(server);
  return serverUrl(server);
}

beforeAll(async () => {
  stack = await startStack({
    env: { BREAKER_FAILURE_THRESHOLD: '1', BREAKER_OPEN_MS: '300' },
  });
});
afterAll(async () => {
  for (const s of servers) s.close();
  await stack?.stop();
});

describe('metrics after a run', () => {
  it('bridge, orchestrator and model worker expose every series with sane values', async () => {
    const orchestratorUrl = await serve(stack.metrics.orchestrator);
    const modelUrl = await serve(stack.metrics.model);
    // The run's first GitHub read fails once with a 500: one retry, and the breaker opens.
    await stack.sim('github', 'POST', '/_sim/faults', {
      rules: [
        {
          method: 'GET',
          path: `^/repos/${stack.owner}/${stack.repo}/issues/\\d+$`,
          status: 500,
          count: 1,
        },
      ],
    });
    const opened = await stack.openIssue(FULL_CREW_ISSUE);
    expect(opened.status).toBe(201);
    const result = (await stack.client.workflow
      .getHandle(issueWorkflowId({ owner: stack.owner, repo: stack.repo, number: opened.number }))
      .result()) as IssueWorkflowResult;
    expect(result.phase).toBe('done');
    const agents = (
      await stack.client.workflow
        .getHandle(issueWorkflowId({ owner: stack.owner, repo: stack.repo, number: opened.number }))
        .query(statusQuery)
    ).agents;
    expect(agents.length).toBeGreaterThan(1);

    // Sinks run after the activation that completed the workflow: give them a moment.
    let orchestrator = await Scrape.from(`${orchestratorUrl}/metrics`);
    for (let i = 0; i < 100 && !orchestrator.sum('blogtube_runs_total'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      orchestrator = await Scrape.from(`${orchestratorUrl}/metrics`);
    }
    const model = await Scrape.from(`${modelUrl}/metrics`);
    const bridge = await Scrape.from(`${stack.bridgeUrl}/metrics`);

    // Bridge: the delivery that started the run.
    expect(
      bridge.sum('blogtube_webhook_deliveries_total', { event: 'issues', result: 'started' }),
    ).toBe(1);
    expect(bridge.sum('blogtube_webhook_duration_seconds_count', { event: 'issues' })).toBe(1);
    expect(bridge.sum('blogtube_webhook_duration_seconds_sum')).toBeGreaterThan(0);

    // Orchestrator: the run, its agents, analysis, PR creation, the retry and the breaker.
    expect(orchestrator.sum('blogtube_runs_total', { outcome: 'done' })).toBe(1);
    expect(orchestrator.sum('blogtube_run_duration_seconds_count', { outcome: 'done' })).toBe(1);
    expect(orchestrator.sum('blogtube_run_duration_seconds_sum')).toBeGreaterThan(0);
    expect(orchestrator.sum('blogtube_analysis_duration_seconds_count')).toBe(1);
    expect(orchestrator.sum('blogtube_analysis_duration_seconds_sum')).toBeGreaterThan(0);
    expect(orchestrator.sum('blogtube_pr_creation_seconds_count')).toBe(1);
    expect(orchestrator.sum('blogtube_pr_creation_seconds_sum')).toBeGreaterThan(0);
    for (const { agent } of agents) {
      expect([
        agent,
        orchestrator.sum('blogtube_agent_duration_seconds_count', { agent, outcome: 'done' }),
      ]).toEqual([agent, 1]);
    }
    expect(orchestrator.sum('blogtube_agent_duration_seconds_sum')).toBeGreaterThan(0);
    expect(
      orchestrator.sum('blogtube_activity_retries_total', {
        activity: 'loadIssue',
        upstream: 'github',
        error_class: 'server',
      }),
    ).toBe(1);
    expect(
      orchestrator.sum('blogtube_breaker_transitions_total', {
        upstream: 'github',
        from: 'closed',
        to: 'open',
      }),
    ).toBe(1);
    expect(
      orchestrator.sum('blogtube_breaker_transitions_total', {
        upstream: 'github',
        from: 'half_open',
        to: 'closed',
      }),
    ).toBe(1);
    expect(orchestrator.sum('blogtube_breaker_state', { upstream: 'github' })).toBe(0);
    expect(
      orchestrator.sum('blogtube_activity_duration_seconds_count', {
        activity: 'openPullRequest',
        outcome: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);

    // Model worker: spawn per agent, schedule-to-start, tokens by kind, breakers.
    for (const { agent } of agents) {
      expect([agent, model.sum('blogtube_agent_spawn_seconds_count', { agent })]).toEqual([
        agent,
        1,
      ]);
      expect([
        agent,
        model.sum('blogtube_model_tokens_total', { agent, kind: 'input' })! > 0,
      ]).toEqual([agent, true]);
      expect([
        agent,
        model.sum('blogtube_model_tokens_total', { agent, kind: 'output' })! > 0,
      ]).toEqual([agent, true]);
    }
    expect(model.sum('blogtube_agent_spawn_seconds_sum')).toBeGreaterThan(0);
    expect(model.find('blogtube_model_tokens_total', { kind: 'cache_read' }).length).toBe(
      agents.length,
    );
    expect(model.find('blogtube_model_tokens_total', { kind: 'cache_write' }).length).toBe(
      agents.length,
    );
    const modelCalls = model.sum('blogtube_model_call_duration_seconds_count', { outcome: 'ok' })!;
    expect(modelCalls).toBeGreaterThanOrEqual(agents.length);
    expect(model.sum('blogtube_model_call_schedule_to_start_seconds_count')).toBe(modelCalls);
    expect(model.sum('blogtube_model_call_duration_seconds_sum')).toBeGreaterThan(0);
    expect(model.sum('blogtube_breaker_state', { upstream: 'anthropic' })).toBe(0);
    expect(model.sum('blogtube_breaker_state', { upstream: 'github' })).toBe(0);

    // Memory of every process, labelled by role, and the Node.js defaults.
    for (const [role, scrape] of [
      ['bridge', bridge],
      ['orchestrator', orchestrator],
      ['model', model],
    ] as const) {
      expect([role, scrape.sum('blogtube_process_resident_memory_bytes', { role })! > 0]).toEqual([
        role,
        true,
      ]);
      expect([role, scrape.sum('blogtube_process_heap_used_bytes', { role })! > 0]).toEqual([
        role,
        true,
      ]);
      expect([role, scrape.sum('process_resident_memory_bytes', { role })! > 0]).toEqual([
        role,
        true,
      ]);
    }
    console.log(
      `metrics: run ${orchestrator.sum('blogtube_run_duration_seconds_sum')?.toFixed(2)} s end to end, ` +
        `analysis ${((orchestrator.sum('blogtube_analysis_duration_seconds_sum') ?? 0) * 1000).toFixed(1)} ms, ` +
        `PR ${((orchestrator.sum('blogtube_pr_creation_seconds_sum') ?? 0) * 1000).toFixed(0)} ms after the last agent, ` +
        `spawn mean ${(((model.sum('blogtube_agent_spawn_seconds_sum') ?? 0) / agents.length) * 1000).toFixed(0)} ms over ${agents.length} agents, ` +
        `${modelCalls} model calls, ${model.sum('blogtube_model_tokens_total')} tokens; ` +
        `RSS bridge+workers (one process) ${((bridge.sum('blogtube_process_resident_memory_bytes') ?? 0) / 2 ** 20).toFixed(0)} MiB`,
    );
  });

  it('the bridge answers /healthz and /readyz (connected to Temporal)', async () => {
    const health = await fetch(`${stack.bridgeUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${stack.bridgeUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, temporal: 'ok' });
  });

  it('a bridge whose Temporal is unreachable is alive but not ready', async () => {
    const { port, close } = await closedPort();
    const client = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}` }) });
    const observe = bridgeObserver(client);
    const server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry: observe.metrics.registry,
      ready: () => clientReadiness(client),
    });
    servers.push(server);
    const url = serverUrl(server);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    const body = (await ready.json()) as { ok: boolean; temporal: string };
    expect([ready.status, body.ok]).toEqual([503, false]);
    expect(body.temporal).not.toBe('ok');
    // The client's gRPC retries may still be pending: closing its connection now would make
    // them throw. Left to give up on their own (a lazy connection holds nothing else).
    close();
  });
});
