/**
 * The system benchmark harness in smoke mode, so it cannot rot: one issue
 * through the full-process stack (simulators, orchestrator and two model
 * workers and the bridge as separate processes, from dist/) against the test
 * dev server, the same issue through the sequential baseline, then the report
 * and figures. Timings are recorded, never asserted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { latencyPlot, memoryPlot } from '../../bench/plots.js';
import { kpiTable, systemDetails } from '../../bench/report.js';
import { SMOKE_LATENCY } from '../../bench/run.js';
import { runSystemBench } from '../../bench/system.js';

it('runs one issue through the process harness and the sequential baseline, and reports', async () => {
  const logDir = await mkdtemp(join(tmpdir(), 'blogtube-bench-smoke-'));
  try {
    const r = await runSystemBench({
      mode: 'smoke',
      latency: SMOKE_LATENCY,
      temporalAddress: process.env.TEMPORAL_ADDRESS,
      logDir,
    });
    const [level] = r.levels;
    expect(level?.concurrency).toBe(1);
    expect(level?.ok).toBe(1);
    const [record] = r.records;
    expect(record?.phase).toBe('done');
    // Read from histories: one agent spawned, one model call started, a PR after it.
    expect(record?.spawns).toHaveLength(record?.agents.length ?? -1);
    expect(level?.pr.n).toBe(1);
    expect(record?.criticalMs).toBeGreaterThan(0);
    // The baseline ran the same issue text to a verified PR.
    expect(r.compare.issues).toHaveLength(1);
    expect(r.compare.issues[0]?.sequentialMs).toBeGreaterThan(0);
    // Memory of each worker process, from /proc, and the heap probe's reports.
    expect(level?.memory.map((m) => m.process).sort()).toEqual([
      'model-worker-0',
      'model-worker-1',
      'orchestrator-worker',
    ]);
    for (const m of level?.memory ?? []) {
      expect(m.peakRss).toBeGreaterThan(0);
      expect(m.peakHeapUsed).toBeGreaterThan(0);
    }
    expect(r.cost.perIssue.n).toBe(1);
    expect(kpiTable(undefined, r)).toMatch(/Agent spawn/);
    expect(systemDetails(r)).toMatch(/Sequential baseline/);
    expect(await latencyPlot(r)).toMatch(/^<svg/);
    expect(await memoryPlot(r)).toMatch(/^<svg/);
  } finally {
    await rm(logDir, { recursive: true, force: true });
  }
});
