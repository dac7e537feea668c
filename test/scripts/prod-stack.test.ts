/**
 * The production-like stack's pure parts: its plan (flags and environment),
 * the Temporal server's configuration variables, the search-attribute file
 * both deployment paths read, and the PostgreSQL URL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';
import { parsePostgresUrl } from '../../scripts/postgres.js';
import { resolveProdStackPlan } from '../../scripts/prod-stack-plan.js';
import {
  parseSearchAttributes,
  readSearchAttributes,
  serverConfigEnv,
  serverPorts,
} from '../../scripts/temporal-server.js';

const ROOT = '/srv/blogtube';
const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe('resolveProdStackPlan', () => {
  test('defaults: two orchestrators, two model workers, a workspace worker, own server, private PostgreSQL, Web UI', () => {
    const plan = resolveProdStackPlan([], {}, ROOT);
    expect(plan.start.services.map((s) => s.name)).toEqual([
      'github-sim',
      'anthropic-sim',
      'codec-server',
      'orchestrator-1',
      'orchestrator-2',
      'model-worker-1',
      'model-worker-2',
      'workspace-worker',
      'bridge',
    ]);
    expect(plan.start.childEnv.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(plan.start.childEnv.TEMPORAL_UI_URL).toBe('http://127.0.0.1:8233');
    expect(plan).toMatchObject({
      pgPort: 5433,
      dataDir: '/srv/blogtube/.data/prod',
      temporal: { port: 7233, internalPortBase: 7234, logLevel: 'warn' },
      ui: { port: 8233 },
    });
    expect(plan.postgresUrl).toBeUndefined();
    // Every worker process has its own metrics ports.
    const ports = Object.values(plan.workerEnv).flatMap((v) => Object.values(v));
    expect(new Set(ports).size).toBe(8);
    expect(plan.workerEnv['model-worker-2']).toEqual({
      MODEL_WORKER_METRICS_PORT: '9476',
      MODEL_WORKER_CORE_METRICS_PORT: '9477',
    });
  });

  test('flags win over the environment; --no-ui; an existing PostgreSQL by URL', () => {
    const plan = resolveProdStackPlan(
      ['--orchestrators', '3', '--model-workers', '1', '--no-ui'],
      {
        BLOGTUBE_ORCHESTRATORS: '5',
        BLOGTUBE_POSTGRES_URL: 'postgres://t:pw@db:5432',
        TEMPORAL_PORT: '17233',
      },
      ROOT,
    );
    expect(plan.orchestrators).toBe(3);
    expect(plan.modelWorkers).toBe(1);
    expect(plan.ui).toBeUndefined();
    expect(plan.postgresUrl).toBe('postgres://t:pw@db:5432');
    expect(plan.start.childEnv.TEMPORAL_ADDRESS).toBe('127.0.0.1:17233');
    expect(
      plan.start.services.filter((s) => s.file === 'dist/workers/orchestrator.js'),
    ).toHaveLength(3);
  });

  test('counts out of range and unknown flags are refused', () => {
    expect(() => resolveProdStackPlan(['--orchestrators', '0'], {}, ROOT)).toThrow(/from 1 to 16/);
    expect(() => resolveProdStackPlan([], { BLOGTUBE_MODEL_WORKERS: 'x' }, ROOT)).toThrow(
      /BLOGTUBE_MODEL_WORKERS/,
    );
    expect(() => resolveProdStackPlan(['--workers', '2'], {}, ROOT)).toThrow();
  });
});

describe('Temporal server configuration', () => {
  test('fixed port layout from the base; every variable of server-postgres.yaml is set', async () => {
    const ports = await serverPorts(7233, 7234);
    expect(ports).toEqual({
      frontend: 7233,
      http: 7234,
      frontendMembership: 7235,
      history: 7236,
      historyMembership: 7237,
      matching: 7238,
      matchingMembership: 7239,
      worker: 7240,
      workerMembership: 7241,
    });
    const env = serverConfigEnv({
      root: ROOT,
      ports,
      pg: { host: '127.0.0.1', port: 5433, user: 'temporal', password: 'pw' },
    });
    expect(env.BLOGTUBE_PG_ADDRESS).toBe('127.0.0.1:5433');
    expect(env.BLOGTUBE_TEMPORAL_DYNAMIC_CONFIG).toBe(
      '/srv/blogtube/deploy/temporal/dynamicconfig.yaml',
    );
    const template = readFileSync(join(REPO, 'deploy/temporal/server-postgres.yaml'), 'utf8');
    const used = new Set([...template.matchAll(/env "(\w+)"/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(env).sort());
  });

  test('the search-attribute file is the list the code upserts', () => {
    expect(readSearchAttributes(REPO)).toEqual(SEARCH_ATTRIBUTES);
    expect(parseSearchAttributes('# c\n\nA=Keyword\nB=Int\n')).toEqual({ A: 'Keyword', B: 'Int' });
    expect(() => parseSearchAttributes('A Keyword')).toThrow(/NAME=TYPE/);
  });

  test('the Web UI config is YAML once its template lines are filled in', () => {
    const text = readFileSync(join(REPO, 'deploy/temporal/ui.yaml'), 'utf8').replace(
      /\{\{[^}]*\}\}/g,
      '1',
    );
    expect(parse(text)).toMatchObject({ enableUi: true, auth: { enabled: false } });
  });
});

test('parsePostgresUrl', () => {
  expect(parsePostgresUrl('postgres://temporal:p%40ss@db.local:6543/x')).toEqual({
    host: 'db.local',
    port: 6543,
    user: 'temporal',
    password: 'p@ss',
  });
  expect(parsePostgresUrl('postgresql://u@[::1]')).toMatchObject({ host: '::1', port: 5432 });
  expect(() => parsePostgresUrl('mysql://u@h')).toThrow(/postgres:\/\//);
  expect(() => parsePostgresUrl('nope')).toThrow(/not a URL/);
});
