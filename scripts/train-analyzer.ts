/**
 * `npm run train:analyzer`: trains the issue-type classifier on the NLBSE'24
 * issues and writes `activities/analysis/issue-type-weights.json`. Deterministic:
 * the same data and code give a byte-identical file.
 *
 *   node dist/scripts/train-analyzer.js [--data FILE] [--out FILE] [--cv] [--folds K]
 *                                       [--ablation] [--timing]
 *
 * --cv        print the k-fold cross-validation table (k = --folds, default 5)
 * --ablation  with --cv: also cross-validate with each feature group turned off
 * --timing    time predictions per issue (p50 / p99 over the data, after warm-up)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel, predict } from '../activities/analysis/pure/classifier.js';
import {
  DEFAULT_TRAIN_OPTIONS,
  crossValidate,
  modelToJson,
  train,
  type LabeledIssue,
  type TrainOptions,
} from './classifier-training.js';
import { createIssueTypeClassifier } from '../activities/analysis/pure/issue-type.js';
import { FEATURE_GROUPS } from '../activities/analysis/pure/text-features.js';
import { DEFAULT_DATA, ROOT, formatCvTable, pct, percentile, readRows } from './issue-data.js';

const DEFAULT_OUT = resolve(ROOT, 'activities/analysis/issue-type-weights.json');

function ablation(rows: LabeledIssue[], k: number, base: TrainOptions): string {
  type Weights = TrainOptions['features']['weights'];
  const variant = (name: string, change: Partial<Weights>): string => {
    const weights = { ...base.features.weights, ...change };
    const r = crossValidate(rows, k, { ...base, features: { ...base.features, weights } });
    return `${name.padEnd(32)} ${pct(r.crossRepoF1)}          ${pct(r.macroF1)}`;
  };
  const lines = ['', 'ablation                         cross-repo F1  pooled macro F1'];
  lines.push(variant('as trained', {}));
  for (const g of FEATURE_GROUPS) {
    if (base.features.weights[g] > 0) lines.push(variant(`without ${g}`, { [g]: 0 }));
    else for (const w of [0.3, 1]) lines.push(variant(`with ${g} at weight ${w}`, { [g]: w }));
  }
  const wordsOnly = Object.fromEntries(FEATURE_GROUPS.map((g) => [g, 0]));
  lines.push(variant('title and body words only', { ...wordsOnly, title: 1, body: 1 }));
  return lines.join('\n');
}

function timing(rows: LabeledIssue[], modelJson: unknown): string {
  const model = loadModel(modelJson);
  const classifier = createIssueTypeClassifier(modelJson);
  const measure = (name: string, fn: (r: LabeledIssue) => unknown): string => {
    for (const r of rows) fn(r); // warm-up
    const times = rows.map((r) => {
      const t0 = process.hrtime.bigint();
      fn(r);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    });
    times.sort((a, b) => a - b);
    const [p50, p99, max] = [percentile(times, 50), percentile(times, 99), times.at(-1) ?? NaN];
    return `${name.padEnd(34)} p50 ${p50.toFixed(3)} ms  p99 ${p99.toFixed(3)} ms  max ${max.toFixed(3)} ms`;
  };
  return [
    `prediction time per issue over ${rows.length} issues (one process, after warm-up):`,
    measure('predict (label + confidence)', (r) => predict(model, r)),
    measure('classifyIssueType (with reasons)', (r) => classifier.classify(r)),
  ].join('\n');
}

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      cv: { type: 'boolean', default: false },
      folds: { type: 'string', default: '5' },
      ablation: { type: 'boolean', default: false },
      timing: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const dataFile = values.data ? resolve(values.data) : DEFAULT_DATA;
  const outFile = values.out ? resolve(values.out) : DEFAULT_OUT;
  const k = Number(values.folds);
  if (!Number.isInteger(k) || k < 2) throw new Error(`--folds must be an integer ≥ 2`);

  const { rows, sha256 } = readRows(dataFile);
  const options = DEFAULT_TRAIN_OPTIONS;
  console.log(`${rows.length} issues from ${relative(process.cwd(), dataFile)}`);

  const t0 = performance.now();
  const model = train(rows, options);
  const trainMs = performance.now() - t0;
  const { features: _features, ...hyper } = options;
  const json = modelToJson(model, {
    data: "issues-nlbse24-train.jsonl (NLBSE'24 issue report classification, train split)",
    sha256,
    rows: rows.length,
    ...hyper,
  });
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, json);
  console.log(
    `trained in ${(trainMs / 1000).toFixed(2)} s; wrote ${relative(process.cwd(), outFile)} ` +
      `(${(Buffer.byteLength(json) / 1024).toFixed(0)} KiB, ${model.stored.count} features with weights)`,
  );

  if (values.cv) {
    const t1 = performance.now();
    const report = crossValidate(rows, k, options);
    console.log(`\n${formatCvTable(report)}`);
    console.log(`(cross-validation took ${((performance.now() - t1) / 1000).toFixed(1)} s)`);
    if (values.ablation) console.log(ablation(rows, k, options));
  }
  if (values.timing) console.log(`\n${timing(rows, JSON.parse(json))}`);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
}
