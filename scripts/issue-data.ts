/**
 * The NLBSE'24 issues (data/, committed with the repository) as the training
 * script and the analysis benchmark read them: reading the JSONL, and printing
 * a cross-validation table.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CvReport, LabeledIssue } from './classifier-training.js';

/** The project root: the nearest folder above this file with a package.json (works from dist/ too). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('project root (package.json) not found');
    dir = parent;
  }
  return dir;
}

export const ROOT = projectRoot();
export const DEFAULT_DATA = resolve(ROOT, 'data/issues-nlbse24-train.jsonl');

/** A file's path relative to the project root when it is inside it (as results record it). */
export function projectPath(file: string): string {
  const rel = relative(ROOT, file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

const Row = z.object({
  repo: z.string().min(1),
  title: z.string(),
  body: z
    .string()
    .nullable()
    .transform((b) => b ?? ''),
  label: z.enum(['bug', 'feature', 'question']),
});

export function readRows(file: string): { rows: LabeledIssue[]; sha256: string } {
  if (!existsSync(file)) {
    throw new Error(
      `training data not found: ${file}\n` +
        "Expected the NLBSE'24 train split (JSON lines of {repo, title, body, label}) at " +
        'data/issues-nlbse24-train.jsonl in the repository, or pass --data FILE.',
    );
  }
  const raw = readFileSync(file);
  const rows = raw
    .toString('utf8')
    .split('\n')
    .map((line, n) => ({ line, n }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, n }) => {
      const parsed = Row.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}:${n + 1}: ${parsed.error.message}`);
      return parsed.data;
    });
  return { rows, sha256: createHash('sha256').update(raw).digest('hex') };
}

export const pct = (x: number): string => x.toFixed(3);

export function formatCvTable(report: CvReport): string {
  const lines = [`${report.k}-fold cross-validation (stratified by repository and label)`];
  lines.push('', 'label       precision  recall  F1     support');
  for (const l of report.labels) {
    const s = report.perLabel[l];
    if (!s) continue;
    lines.push(
      `${l.padEnd(11)} ${pct(s.precision).padStart(9)}  ${pct(s.recall).padStart(6)}  ${pct(s.f1)}  ${s.support}`,
    );
  }
  lines.push('', 'repository              macro F1');
  for (const [repo, f1] of Object.entries(report.perRepo)) {
    lines.push(`${repo.padEnd(23)} ${pct(f1)}`);
  }
  lines.push(
    '',
    `cross-repository F1 (mean of per-repo macro F1): ${pct(report.crossRepoF1)}`,
    `pooled macro F1: ${pct(report.macroF1)}   accuracy: ${pct(report.accuracy)}`,
  );
  return lines.join('\n');
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
