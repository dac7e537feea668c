/**
 * `npm run bench`: measures and writes `bench/results/<timestamp>.json` and
 * `.md`. Run by hand; `npm test` only runs its smoke mode.
 *
 *   node dist/bench/run.js [--smoke] [--out DIR] [--data FILE] [--folds K]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { issueTypeModelPath } from '../activities/issue-type-model.js';
import { DEFAULT_DATA, ROOT, readRows } from '../scripts/issue-data.js';
import { runAnalysisBench } from './analysis.js';
import type { AnalysisBenchResult } from './analysis.js';

export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  settings: { smoke: boolean; data: string; folds: number };
  analysis: AnalysisBenchResult;
}

export function runBench(opts: { smoke: boolean; data: string; folds: number }): BenchReport {
  const { rows } = readRows(opts.data);
  // Smoke mode: a stratified-enough slice (every 10th row) so the harness cannot rot.
  const used = opts.smoke ? rows.filter((_, i) => i % 10 === 0) : rows;
  const modelJson = JSON.parse(readFileSync(issueTypeModelPath(), 'utf8')) as unknown;
  return {
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    settings: opts,
    analysis: runAnalysisBench(used, modelJson, { folds: opts.smoke ? 2 : opts.folds }),
  };
}

export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  return [
    `# Benchmark ${r.startedAt}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}.`,
    `Settings: ${r.settings.smoke ? 'smoke mode, ' : ''}${r.analysis.rows} issues, ${r.analysis.folds}-fold cross-validation.`,
    '',
    '## Analysis',
    '',
    '```',
    r.analysis.table,
    '```',
    '',
  ].join('\n');
}

export function writeReport(r: BenchReport, outDir: string): { json: string; md: string } {
  mkdirSync(outDir, { recursive: true });
  const stamp = r.startedAt.replace(/[:.]/g, '-');
  const json = join(outDir, `${stamp}.json`);
  const md = join(outDir, `${stamp}.md`);
  writeFileSync(json, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(md, renderMarkdown(r));
  return { json, md };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      out: { type: 'string', default: join(ROOT, 'bench', 'results') },
      data: { type: 'string', default: DEFAULT_DATA },
      folds: { type: 'string', default: '5' },
    },
  });
  const folds = Number(values.folds);
  if (!Number.isInteger(folds) || folds < 2) throw new Error('--folds must be an integer ≥ 2');
  const report = runBench({ smoke: values.smoke, data: resolve(values.data), folds });
  const files = writeReport(report, resolve(values.out));
  process.stdout.write(`${renderMarkdown(report)}\nwrote ${files.json}\n      ${files.md}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
