/**
 * `blogtube analyze`: the analyzer the workers use, from the command line —
 * one issue (`--title`/`--body`) or a JSONL file of `{title, body, repo?}`.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { getIssueTypeClassifier } from '../activities/analysis/weights.js';
import { analyzeIssue } from '../activities/analysis/pure/analyzer.js';
import { DEFAULT_AGENTS } from '../common/repo-config.js';
import type { Analysis } from '../common/schemas.js';

const IssueLine = z.object({
  title: z.string(),
  body: z.string().nullable().optional(),
  repo: z.string().optional(),
  labels: z.array(z.string()).optional(),
});

export class AnalyzeInputError extends Error {}

export interface AnalyzedIssue extends Analysis {
  repo?: string;
  title: string;
  ms: number;
}

export function analyzeOne(title: string, body: string, labels: string[] = []): AnalyzedIssue {
  const classifier = getIssueTypeClassifier();
  const started = performance.now();
  const analysis = analyzeIssue({ title, body, labels }, DEFAULT_AGENTS, classifier);
  return { title, ...analysis, ms: Math.round((performance.now() - started) * 1000) / 1000 };
}

/** Analyze every line of a JSONL file, calling `emit` per issue; throws naming the bad line. */
export async function analyzeJsonl(
  file: string,
  emit: (a: AnalyzedIssue) => void,
): Promise<number> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let parsed: z.infer<typeof IssueLine>;
    try {
      parsed = IssueLine.parse(JSON.parse(line));
    } catch (err) {
      const why = err instanceof z.ZodError ? err.issues[0]?.message : 'not valid JSON';
      throw new AnalyzeInputError(
        `${file}:${lineNo}: ${why} (expected {"title", "body", "repo"?})`,
      );
    }
    const result = analyzeOne(parsed.title, parsed.body ?? '', parsed.labels);
    emit(parsed.repo ? { repo: parsed.repo, ...result } : result);
    n++;
  }
  return n;
}

export function formatAnalysis(a: AnalyzedIssue): string {
  return [
    `type        ${a.type} (confidence ${a.confidence.toFixed(2)})`,
    `complexity  ${a.complexity}`,
    `risk        ${a.risk}`,
    `agents      ${a.agents.join(', ') || '(none)'}`,
    `time        ${a.ms} ms`,
    'why:',
    ...a.reasons.map((r) => `  - ${r}`),
  ].join('\n');
}
