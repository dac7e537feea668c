/**
 * The observability pieces without a Temporal server: metric labels, the
 * delivery labels of the bridge, pino redaction and the Temporal logger
 * adapter, and the /metrics, /healthz, /readyz handler over real HTTP.
 */
import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry, Counter } from 'prom-client';
import {
  coreLogLevel,
  createLogger,
  logOptionsFromEnv,
  redactPaths,
  TemporalPinoLogger,
} from '../../common/logger.js';
import { deliveryLabels } from '../../common/metrics-bridge.js';
import {
  agentOfWorkflowId,
  breakerStateValue,
  failureLabels,
  runOutcome,
} from '../../common/metrics-labels.js';
import { startMetricsServer } from '../../common/metrics-server.js';
import type { ObservabilityOptions } from '../../common/metrics-server.js';
import { serverUrl } from '../../client/bridge.js';

describe('metric labels', () => {
  it('run outcome from the issue workflow result', () => {
    expect(runOutcome({ phase: 'done', failedAgents: [], draft: false })).toBe('done');
    expect(runOutcome({ phase: 'done', failedAgents: ['frontend'], draft: true })).toBe(
      'done_partial',
    );
    expect(runOutcome({ phase: 'done', failedAgents: [], draft: true })).toBe('done_partial');
    for (const p of ['failed', 'answered', 'rejected', 'cancelled'] as const) {
      expect(runOutcome({ phase: p, failedAgents: [] })).toBe(p);
    }
    expect(runOutcome({ phase: 'running' })).toBe('error');
    expect(runOutcome(undefined)).toBe('error');
  });

  it('failure labels from the boundary classifier’s failure type', () => {
    expect(failureLabels('github.rate_limit', false)).toEqual({
      upstream: 'github',
      errorClass: 'rate_limit',
      retryable: true,
    });
    expect(failureLabels('anthropic.circuit_open', false)).toEqual({
      upstream: 'anthropic',
      errorClass: 'circuit_open',
      retryable: true,
    });
    expect(failureLabels('github.auth', true)).toEqual({
      upstream: 'github',
      errorClass: 'auth',
      retryable: false,
    });
    expect(failureLabels('InvalidConfig', true)).toEqual({
      upstream: 'none',
      errorClass: 'InvalidConfig',
      retryable: false,
    });
    expect(failureLabels(undefined, false)).toEqual({
      upstream: 'none',
      errorClass: 'other',
      retryable: true,
    });
    // Bounded label values, whatever the type says.
    expect(failureLabels('x{y="z"}'.repeat(20), false).errorClass).toMatch(/^[A-Za-z0-9_]{1,40}$/);
  });

  it('agent of a workflow id; breaker state values', () => {
    expect(agentOfWorkflowId('issue:o/r#1/agent:backend')).toBe('backend');
    expect(agentOfWorkflowId('issue:o/r#1')).toBeUndefined();
    expect(agentOfWorkflowId(undefined)).toBeUndefined();
    expect(['closed', 'half_open', 'open'].map((s) => breakerStateValue(s as never))).toEqual([
      0, 1, 2,
    ]);
  });

  it('delivery labels: unverified requests do not choose their label', () => {
    expect(deliveryLabels('issues', 201, { result: 'started' })).toEqual({
      event: 'issues',
      result: 'started',
    });
    expect(deliveryLabels('made-up{x}', 401, { error: 'bad signature' })).toEqual({
      event: 'unverified',
      result: 'http_401',
    });
    expect(deliveryLabels('Weird Event!', 202, { result: 'ignored' })).toEqual({
      event: 'other',
      result: 'ignored',
    });
    expect(deliveryLabels('issues', 503, { error: 'x' })).toEqual({
      event: 'issues',
      result: 'error',
    });
  });
});

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, destination };
}

describe('logs', () => {
  it('redacts secrets by key at any depth up to four levels', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 'test', destination });
    log.info(
      {
        token: 'ghp_top',
        headers: { authorization: 'Bearer abc', 'x-api-key': 'sk-1' },
        env: { GITHUB_TOKEN: 'g', ANTHROPIC_API_KEY: 'a', nested: { secret: 's', ok: 'fine' } },
      },
      'hello',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['ghp_top', 'Bearer abc', 'sk-1', '"g"', '"a"', '"s"']) {
      expect(text.includes(secret)).toBe(false);
    }
    expect(lines[0]).toMatchObject({
      name: 'test',
      msg: 'hello',
      token: '[redacted]',
      env: { nested: { ok: 'fine', secret: '[redacted]' } },
    });
    expect(redactPaths(['x-y'])).toEqual(['["x-y"]', '*["x-y"]', '*.*["x-y"]', '*.*.*["x-y"]']);
  });

  it('the Temporal logger adapter: levels, agent from the workflow id, run id, no task token', () => {
    const { lines, destination } = capture();
    const pino = createLogger({ name: 'model', level: 'debug', destination });
    const logger = new TemporalPinoLogger(pino);
    logger.debug('Activity completed', {
      workflowId: 'issue:o/r#3/agent:frontend',
      workflowRunId: 'run-1',
      attempt: 2,
      taskToken: 'opaque',
      big: 10n,
      [Symbol('ts')]: 1,
    });
    logger.trace('dropped at debug level');
    logger.warn('issue level', { workflowId: 'issue:o/r#3', runId: 'run-0' });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 20,
      msg: 'Activity completed',
      agent: 'frontend',
      runId: 'run-1',
      attempt: 2,
      big: '10',
    });
    expect(lines[0]).not.toHaveProperty('taskToken');
    expect(lines[0]).not.toHaveProperty('workflowRunId');
    expect(lines[1]).toMatchObject({ level: 40, runId: 'run-0' });
    expect(lines[1]).not.toHaveProperty('agent');
  });

  it('LOG_LEVEL and LOG_FORMAT are validated', () => {
    expect(logOptionsFromEnv({ LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'json' })).toEqual({
      level: 'debug',
      format: 'json',
    });
    expect(() => logOptionsFromEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => logOptionsFromEnv({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  it("the Rust core's debug machinery shows only at trace", () => {
    expect(['trace', 'debug', 'info', 'warn', 'error'].map(coreLogLevel)).toEqual([
      'TRACE',
      'INFO',
      'INFO',
      'WARN',
      'ERROR',
    ]);
  });

  it("without LOG_LEVEL the environment profile's level applies", () => {
    const level = (env: NodeJS.ProcessEnv) => logOptionsFromEnv({ LOG_FORMAT: 'json', ...env });
    expect(level({}).level).toBe('debug');
    expect(level({ BLOGTUBE_PROFILE: 'production' }).level).toBe('info');
    expect(level({ NODE_ENV: 'test' }).level).toBe('error');
    expect(level({ BLOGTUBE_PROFILE: 'production', LOG_LEVEL: '' }).level).toBe('info');
    expect(level({ BLOGTUBE_PROFILE: 'test', LOG_LEVEL: 'warn' }).level).toBe('warn');
    expect(() => level({ BLOGTUBE_PROFILE: 'prod' })).toThrow(/BLOGTUBE_PROFILE/);
  });
});

describe('/metrics, /healthz, /readyz', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  async function serve(
    ready: ObservabilityOptions['ready'],
    readyTimeoutMs?: number,
    memory: Pick<ObservabilityOptions, 'memoryThresholdBytes' | 'rss'> = {},
  ) {
    const registry = new Registry();
    new Counter({ name: 'demo_total', help: 'demo', registers: [registry] }).inc(3);
    server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      ready,
      readyTimeoutMs,
      ...memory,
    });
    return serverUrl(server);
  }

  it("/healthz answers 503 once resident memory passes the profile's threshold", async () => {
    const MiB = 2 ** 20;
    let rss = 300 * MiB;
    const readyOk = async () => ({ ready: true, checks: {} });
    let url = await serve(readyOk, undefined, { memoryThresholdBytes: 1024 * MiB, rss: () => rss });
    let r = await fetch(`${url}/healthz`);
    expect([r.status, await r.json()]).toEqual([200, { ok: true, rssMb: 300, thresholdMb: 1024 }]);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
      new RegExp(`^blogtube_memory_threshold_bytes ${1024 * MiB}$`, 'm'),
    );
    rss = 1500 * MiB;
    r = await fetch(`${url}/healthz`);
    expect([r.status, await r.json()]).toEqual([
      503,
      { ok: false, error: 'resident memory over the threshold', rssMb: 1500, thresholdMb: 1024 },
    ]);
    // Readiness is another question: the process can still do its work.
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    server?.close();

    // The real resident memory of this process is far above 1 MiB.
    url = await serve(readyOk, undefined, { memoryThresholdBytes: MiB });
    r = await fetch(`${url}/healthz`);
    expect(r.status).toBe(503);
    expect(((await r.json()) as { rssMb: number }).rssMb).toBeGreaterThan(10);
  });

  it('serves the registry, liveness and readiness', async () => {
    const url = await serve(async () => ({ ready: true, checks: { temporal: 'ok' } }));
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    expect(await metrics.text()).toMatch(/^demo_total 3$/m);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { ok: true, temporal: 'ok' }]);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('not ready when the probe says so, throws, or does not answer in time', async () => {
    let url = await serve(async () => ({ ready: false, checks: { state: 'DRAINING' } }));
    let r = await fetch(`${url}/readyz`);
    expect([r.status, await r.json()]).toEqual([503, { ok: false, state: 'DRAINING' }]);
    server?.close();

    url = await serve(async () => {
      throw new Error('connection refused');
    });
    r = await fetch(`${url}/readyz`);
    expect([r.status, await r.json()]).toEqual([503, { ok: false, error: 'connection refused' }]);
    server?.close();

    url = await serve(() => new Promise(() => {}), 50);
    r = await fetch(`${url}/readyz`);
    expect([r.status, await r.json()]).toEqual([
      503,
      { ok: false, error: 'probe timed out after 50 ms' },
    ]);
  });
});
