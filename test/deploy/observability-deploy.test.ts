/**
 * The deploy/ files against the code: the dashboard and the alerts use only
 * metric names the code registers (Temporal Core names are checked against a
 * real Core endpoint in test/integration/metrics-processes.test.ts), and
 * promtool (Debian package `prometheus`) accepts the rules, their unit tests
 * and the scrape configuration.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { registeredMetricNames } from '../../common/metrics.js';
import {
  alertExpressions,
  dashboardExpressions,
  deployPath,
  metricNamesIn,
} from '../support/promql-names.js';

const run = promisify(execFile);

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args);
    return stdout + stderr;
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('promtool not found: apt-get install -y --no-install-recommends prometheus', {
        cause: err,
      });
    }
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    });
  }
}

describe('metric names in deploy/', () => {
  it('the dashboard references only registered metrics', async () => {
    const registered = await registeredMetricNames();
    const exprs = dashboardExpressions();
    expect(exprs.length).toBeGreaterThan(15);
    const names = exprs.flatMap(metricNamesIn).filter((n) => !n.startsWith('temporal_'));
    expect(names.length).toBeGreaterThan(15);
    expect(names.filter((n) => !registered.has(n))).toEqual([]);
  });

  it('the alerts reference only registered metrics', async () => {
    const registered = await registeredMetricNames();
    const names = alertExpressions().flatMap(metricNamesIn);
    expect(names).toEqual(
      expect.arrayContaining([
        'blogtube_runs_total',
        'blogtube_breaker_state',
        'blogtube_breaker_transitions_total',
        'blogtube_agent_spawn_seconds_bucket',
        'blogtube_process_resident_memory_bytes',
      ]),
    );
    expect(names.filter((n) => !registered.has(n))).toEqual([]);
  });

  it('the name extractor ignores label values and finds every family', () => {
    expect(
      metricNamesIn(
        'sum(rate(blogtube_runs_total{outcome="process_x"}[5m])) / on() nodejs_heap_size_used_bytes',
      ),
    ).toEqual(['blogtube_runs_total', 'nodejs_heap_size_used_bytes']);
  });
});

describe('promtool', () => {
  it('accepts the alerting rules', async () => {
    expect(await promtool('check', 'rules', deployPath('deploy/prometheus/alerts.yml'))).toMatch(
      /SUCCESS: 4 rules found/,
    );
  });
  it('passes the rules unit tests (each alert fires on bad series, not on healthy ones)', async () => {
    expect(
      await promtool('test', 'rules', deployPath('deploy/prometheus/alerts.test.yml')),
    ).toMatch(/SUCCESS/);
  });
  it('accepts the scrape configuration', async () => {
    expect(
      await promtool('check', 'config', deployPath('deploy/prometheus/prometheus.yml')),
    ).toMatch(/is valid prometheus config file syntax/);
  });
});
