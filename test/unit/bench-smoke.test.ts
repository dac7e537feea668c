/** The benchmark harness in smoke mode, so it cannot rot (timings are never asserted). */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { runBench, writeReport } from '../../bench/run.js';
import { DEFAULT_DATA } from '../../scripts/issue-data.js';

it('runs the analysis benchmark on a slice and writes JSON and markdown results', async () => {
  const report = runBench({ smoke: true, data: DEFAULT_DATA, folds: 2 });
  expect(report.analysis.rows).toBe(150);
  expect(report.analysis.folds).toBe(2);
  expect(Object.keys(report.analysis.cv.perLabel).sort()).toEqual(['bug', 'feature', 'question']);
  expect(Object.keys(report.analysis.cv.perRepo)).toHaveLength(5);
  expect(report.analysis.cv.crossRepoF1).toBeGreaterThan(0);
  expect(report.analysis.timeMs.n).toBe(150);
  expect(report.analysis.written).toHaveLength(6);
  const dir = await mkdtemp(join(tmpdir(), 'blogtube-bench-'));
  try {
    const files = writeReport(report, dir);
    const json = JSON.parse(await readFile(files.json, 'utf8')) as { analysis: { rows: number } };
    expect(json.analysis.rows).toBe(150);
    expect(await readFile(files.md, 'utf8')).toMatch(/cross-repository F1/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('bounds a DAG by its longest dependency chain of measured agent durations', async () => {
  const { criticalPathMs } = await import('../../bench/history.js');
  const plan = {
    nodes: [
      { agent: 'backend' as const, dependsOn: [] },
      { agent: 'frontend' as const, dependsOn: ['backend' as const] },
      { agent: 'devops' as const, dependsOn: ['backend' as const] },
      {
        agent: 'documentation' as const,
        dependsOn: ['backend' as const, 'frontend' as const, 'devops' as const],
      },
    ],
  };
  const ms = { backend: 10, frontend: 7, devops: 3, documentation: 5 };
  expect(criticalPathMs(plan, ms)).toBe(22);
  expect(criticalPathMs({ nodes: [] }, {})).toBe(0);
});

it('rewrites only the marked README block', async () => {
  const { README_BEGIN, README_END, rewriteReadme } = await import('../../bench/run.js');
  const dir = await mkdtemp(join(tmpdir(), 'blogtube-bench-readme-'));
  try {
    const file = join(dir, 'README.md');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, `# Title\n\nkept\n${README_BEGIN}\nold\n${README_END}\ntail\n`);
    rewriteReadme(file, `${README_BEGIN}\nnew\n${README_END}`);
    expect(await readFile(file, 'utf8')).toBe(
      `# Title\n\nkept\n${README_BEGIN}\nnew\n${README_END}\ntail\n`,
    );
    await writeFile(file, 'no markers\n');
    expect(() => rewriteReadme(file, 'x')).toThrow(/markers/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
