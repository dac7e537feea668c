/**
 * The production benchmark's measuring parts, on real inputs: the workflow
 * bundle `npm run build` makes is split by package (no byte lost), CPU
 * time is read from /proc for this very process while it burns some, and
 * RSS traces give idle and peak readings the same way for workers and floor.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { cpuMeter, cpuSeconds, machineTicks, treeCpuSeconds } from '../../bench/cpu.js';
import {
  bundleComposition,
  readShareByTurns,
  renderProdMarkdown,
  type MemoryRound,
  type ProdBatch,
  type ProdReport,
  type WorkerIdle,
} from '../../bench/prod.js';
import { summarize } from '../../bench/stats.js';
import type { LevelResult } from '../../bench/system.js';
import {
  fromProbe,
  idleRss,
  medianRss,
  peakRss,
  rssAt,
  rssOf,
  SETTLE_MS,
  SETTLED_WINDOW_MS,
  type RssSample,
} from '../../bench/rss-trace.js';

describe('bundle composition', () => {
  it('splits a webpack bundle by package and keeps every byte', () => {
    const code = [
      'var x; /* runtime */',
      '/***/ "./node_modules/zod/v4/core/util.js"',
      'zod code',
      '/***/ "./node_modules/@temporalio/workflow/lib/index.js"',
      'workflow code',
      '/***/ "./dist/workflows/agent.js"',
      'ours',
      '//# sourceMappingURL=data:application/json;base64,AAAA',
    ].join('\n');
    const parts = bundleComposition(code);
    expect(Object.keys(parts).sort()).toEqual([
      '@temporalio/workflow',
      'blogtube',
      'inline source map',
      'webpack runtime',
      'zod',
    ]);
    expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBe(code.length);
  });

  const bundle = fileURLToPath(new URL('../../dist/workflow-bundle.js', import.meta.url));
  // Every open workflow instantiates the bundle's modules anew (docs/scaling.md, "Memory"):
  // the SDK's own, picomatch (the path guard's globs) and ours, nothing else (no zod).
  (existsSync(bundle) ? it : it.skip)(
    'finds only the SDK, picomatch and BlogTube in the built bundle',
    () => {
      const parts = bundleComposition(readFileSync(bundle, 'utf8'));
      expect(parts.blogtube).toBeGreaterThan(0);
      expect(parts.zod).toBeUndefined();
      const packages = Object.keys(parts).filter(
        (k) => !['blogtube', 'inline source map', 'webpack runtime', 'other'].includes(k),
      );
      expect(packages.sort()).toEqual([
        '@temporalio/common',
        '@temporalio/workflow',
        'long',
        'ms',
        'nexus-rpc',
        'picomatch',
      ]);
    },
  );
});

describe('CPU from /proc', () => {
  it('sees this process use CPU while it computes', () => {
    const before = cpuSeconds(process.pid);
    const meter = cpuMeter([{ name: 'me', read: () => cpuSeconds(process.pid) }]);
    const until = Date.now() + 300;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    const usage = meter.stop();
    expect(x).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid)).toBeGreaterThan(before);
    expect(usage.cores.me).toBeGreaterThan(0);
    expect(usage.machineBusy).toBeGreaterThan(0);
    // The tree (this process and its children) counts at least the process, read before it.
    const own = cpuSeconds(process.pid);
    expect(treeCpuSeconds(process.pid)).toBeGreaterThanOrEqual(own);
    const m = machineTicks();
    expect(m.total).toBeGreaterThan(m.busy);
  });

  it('answers NaN for a process that is gone', () => {
    expect(cpuSeconds(2 ** 22 + 12345)).toBeNaN();
  });
});

describe('RSS traces (workers and floor read alike)', () => {
  const t0 = 1_000_000;
  // Start-up heap high, given back after ~12 s, then flat.
  const trace: RssSample[] = Array.from({ length: 280 }, (_, i) => ({
    at: t0 + i * 250,
    rss: (i * 250 < 12_000 ? 160 : 130) * 2 ** 20 + (i % 3) * 1024,
  }));

  it('reads idle early (5 s) and settled (the median of the window before SETTLE_MS)', () => {
    const idle = idleRss(trace, t0);
    expect(idle.early).toBe(trace[20]?.rss);
    expect(Math.round(idle.settled / 2 ** 20)).toBe(130);
    expect(idle.settled).toBe(medianRss(trace, t0 + SETTLE_MS - SETTLED_WINDOW_MS, t0 + SETTLE_MS));
  });

  it('answers NaN where the trace has no reading, rather than a later one', () => {
    expect(rssAt(trace, t0 - 5_000)).toBeNaN();
    expect(rssAt(trace, t0 + 120_000)).toBeNaN();
    expect(idleRss(trace.slice(0, 40), t0).settled).toBeNaN();
  });

  it('takes the peak from a moment on', () => {
    expect(peakRss(trace)).toBe(160 * 2 ** 20 + 2 * 1024);
    expect(peakRss(trace, t0 + 20_000)).toBe(130 * 2 ** 20 + 2 * 1024);
    expect(peakRss([])).toBeNaN();
  });

  it("parses the heap probe's message and ignores others", () => {
    expect(fromProbe({ blogtubeHeap: { heapUsed: 1, heapTotal: 2, rss: 3 } })?.rss).toBe(3);
    expect(fromProbe({ other: 1 })).toBeUndefined();
    expect(fromProbe(null)).toBeUndefined();
  });

  it("reads this process's RSS from /proc, NaN for one that is gone", () => {
    expect(rssOf(process.pid)).toBeGreaterThan(10 * 2 ** 20);
    expect(rssOf(2 ** 22 + 12345)).toBeNaN();
  });
});

describe('the memory report', () => {
  const MiB = 2 ** 20;
  const s = summarize([100]);
  const level = (concurrency: number, rss: Record<string, number>): LevelResult => ({
    concurrency,
    issues: concurrency,
    wallMs: 1000,
    issuesPerMin: 60,
    ok: concurrency,
    e2e: s,
    spawn: s,
    scheduleToStart: s,
    pr: s,
    activityShare: 0.5,
    memory: Object.entries(rss).map(([process, mib]) => ({
      process,
      peakRss: mib * MiB,
      hwm: mib * MiB,
      peakHeapUsed: 50 * MiB,
    })),
  });
  const batch = (concurrency: number, open: number, orch: number): ProdBatch => ({
    orchestrators: 1,
    concurrency,
    variant: 'default',
    level: level(concurrency, {
      'orchestrator-worker': orch,
      'model-worker-0': 150,
      'workspace-worker-0': 120,
    }),
    cpu: {
      cores: { 'temporal-server': 0.1, postgresql: 0.1, 'bench (this process)': 0.1 },
      machineBusy: 0.5,
      wallMs: 1000,
    },
    openWorkflows: open,
    loadAvg: [1, 1, 1],
    tokens: {
      issues: 0,
      perIssue: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      readShare: 0,
      multiTurnReadShare: 0,
      usdPerIssue: 0,
    },
  });
  const idle = (orch: number): WorkerIdle[] => [
    { process: 'orchestrator-worker', early: 160 * MiB, settled: orch * MiB },
    { process: 'model-worker-0', early: 140 * MiB, settled: 110 * MiB },
    { process: 'workspace-worker-0', early: 130 * MiB, settled: 100 * MiB },
  ];
  const floor = (peak50: number): MemoryRound['floor'] => ({
    idle: { early: 140 * MiB, settled: 110 * MiB },
    activityOnly: { early: 100 * MiB, settled: 90 * MiB },
    byOpen: { '190': { peak: peak50 * MiB, held: 200 * MiB, heapUsed: 30 * MiB } },
  });
  const rounds: MemoryRound[] = [
    { idle: idle(128), batches: [batch(50, 190, 330)], floor: floor(220), loadAvg: [2] },
    { idle: idle(132), batches: [batch(50, 190, 352)], floor: floor(220), loadAvg: [3] },
  ];
  const report: ProdReport = {
    startedAt: '2026-12-03T00:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'test', memoryGiB: 24, node: 'v20' },
    mode: 'full',
    workspaceWorkers: 1,
    temporal: 'test',
    loadAvg: { before: [1], after: [1] },
    batches: [batch(50, 190, 330)],
    memory: rounds,
    bundle: { bytes: MiB, composition: { blogtube: MiB } },
    price: { model: 'm', family: 'f', inputPerMTok: 3, outputPerMTok: 15 },
  };

  it('compares settled idle with settled idle and peak with peak, every role', () => {
    const md = renderProdMarkdown(report);
    expect(md).toContain(
      '| orchestrator | idle | 128 MiB (160 MiB) | 110 MiB (140 MiB) | 1.16× | 18 MiB |',
    );
    expect(md).toContain(
      '| orchestrator | 50 issues (190 workflows) | 330 MiB (50 MiB) | 220 MiB (30 MiB) | 1.50× |',
    );
    expect(md).toContain(
      '| workspace worker | idle | 100 MiB (130 MiB) | 90 MiB (100 MiB) (activity-only) | 1.11× | 10 MiB |',
    );
    expect(md).toMatch(/\| model worker \| 50 issues \| 150 MiB/);
    expect(md).not.toMatch(/NaN|undefined/);
  });

  it('gives the read share by turns, to a tenth of a point, for each caching variant', () => {
    const cost = (readShare: number, turns: string): ProdBatch['tokens'] => ({
      issues: 10,
      perIssue: { input: 0, output: 800, cacheRead: 7000, cacheWrite: 2000 },
      readShare,
      multiTurnReadShare: readShare,
      byTurns: [{ turns, agents: 28, readShare }],
      usdPerIssue: 0.05,
    });
    const withCost: ProdReport = {
      ...report,
      batches: [
        { ...batch(10, 38, 250), tokens: cost(0, '6–9') },
        { ...batch(10, 38, 250), variant: 'no conversation caching', tokens: cost(0, '6–9') },
        {
          ...batch(10, 38, 250),
          variant: 'simulator without minimum, caching on',
          tokens: cost(0.84853, '6–9'),
        },
        {
          ...batch(10, 38, 250),
          variant: 'simulator without minimum, caching off',
          tokens: cost(0.6157, '6–9'),
        },
      ],
    };
    const md = renderProdMarkdown(withCost);
    expect(md).toContain('| on, no minimum | – | – | – | 84.9% (28) | – |');
    expect(md).toContain('| off, no minimum | – | – | – | 61.6% (28) | – |');
    expect(md).toMatch(
      /\| on, simulator with no minimum cacheable length \| 10 \|.*\| 84\.9% \| 84\.9% \|/,
    );
  });

  it('gives each round and the median of the rounds', () => {
    const md = renderProdMarkdown(report);
    expect(md).toContain('| 1 | 18 MiB | 1.50× | 2.0 |');
    expect(md).toContain('| 2 | 22 MiB | 1.60× | 3.0 |');
    expect(md).toContain('| median | 20 MiB | 1.55× | |');
  });
});

describe('readShareByTurns', () => {
  const tokens = (input: number, cacheRead: number, cacheWrite: number) => ({
    input,
    output: 10,
    cacheRead,
    cacheWrite,
  });

  it("groups agents by their turns and reads each group's share over all its input", () => {
    const rows = readShareByTurns([
      { turns: 1, tokens: tokens(100, 0, 0) },
      { turns: 3, tokens: tokens(0, 60, 40) },
      { turns: 2, tokens: tokens(0, 20, 80) },
      { turns: 12, tokens: tokens(0, 950, 50) },
    ]);
    expect(rows).toEqual([
      { turns: '1', agents: 1, readShare: 0 },
      { turns: '2–3', agents: 2, readShare: 0.4 },
      { turns: '10+', agents: 1, readShare: 0.95 },
    ]);
  });

  it('puts each turn count in exactly one bucket', () => {
    const agents = Array.from({ length: 15 }, (_, i) => ({
      turns: i + 1,
      tokens: tokens(1, 1, 0),
    }));
    const rows = readShareByTurns(agents);
    expect(rows.reduce((n, r) => n + r.agents, 0)).toBe(15);
    expect(rows.map((r) => [r.turns, r.agents])).toEqual([
      ['1', 1],
      ['2–3', 2],
      ['4–5', 2],
      ['6–9', 4],
      ['10+', 6],
    ]);
  });
});
