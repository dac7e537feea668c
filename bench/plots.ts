/** Figures of a benchmark run, rendered to SVG headless by vega + vega-lite. */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { SystemReport } from './system.js';

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

/** What every plot's spec starts with: a 520×300 chart of `values` titled `title`. */
function frame(title: string, values: Record<string, unknown>[]) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 300,
    data: { values },
  };
}

/** Concurrent issues on a log scale: every plot's x axis. */
const CONCURRENCY = {
  field: 'concurrency',
  type: 'quantitative',
  scale: { type: 'log' },
  title: 'concurrent issues',
} as const;

/** End-to-end p50/p99 and spawn p99 against concurrent issues. */
export async function latencyPlot(r: SystemReport): Promise<string> {
  const values = r.levels
    .flatMap((l) => [
      { concurrency: l.concurrency, series: 'end-to-end p50', seconds: l.e2e.p50 / 1000 },
      { concurrency: l.concurrency, series: 'end-to-end p99', seconds: l.e2e.p99 / 1000 },
      { concurrency: l.concurrency, series: 'agent spawn p99', seconds: l.spawn.p99 / 1000 },
      { concurrency: l.concurrency, series: 'PR after last agent p99', seconds: l.pr.p99 / 1000 },
    ])
    .filter((v) => Number.isFinite(v.seconds));
  return render({
    ...frame('Latency vs concurrent issues', values),
    mark: { type: 'line', point: true },
    encoding: {
      x: CONCURRENCY,
      y: { field: 'seconds', type: 'quantitative', scale: { type: 'symlog' }, title: 'seconds' },
      color: { field: 'series', type: 'nominal', title: null },
    },
  });
}

/** Peak RSS (and heap) of each worker process against concurrent issues. */
export async function memoryPlot(r: SystemReport): Promise<string> {
  const values = r.levels.flatMap((l) =>
    l.memory.flatMap((m) => [
      { concurrency: l.concurrency, series: `${m.process} RSS`, mib: m.peakRss / 2 ** 20 },
      ...(m.peakHeapUsed
        ? [
            {
              concurrency: l.concurrency,
              series: `${m.process} heap used`,
              mib: m.peakHeapUsed / 2 ** 20,
            },
          ]
        : []),
    ]),
  );
  return render({
    ...frame('Peak memory per worker process vs concurrent issues', values),
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: CONCURRENCY,
          y: { field: 'mib', type: 'quantitative', title: 'MiB' },
          color: { field: 'series', type: 'nominal', title: null },
        },
      },
      {
        data: { values: [{ target: 100 }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
        encoding: { y: { field: 'target', type: 'quantitative' } },
      },
    ],
  });
}
