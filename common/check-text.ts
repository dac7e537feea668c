/**
 * The checks' names and times as people and GitHub read them. Pure and free of
 * zod: the workflow bundle imports it (checks.ts holds the schemas).
 */

import type { CheckOutcome, CheckResult, ChecksReport } from './checks.js';

/** Every check's commit status context is `blogtube/<name>`. */
export const STATUS_CONTEXT_PREFIX = 'blogtube/';

export function statusContext(check: string): string {
  return `${STATUS_CONTEXT_PREFIX}${check}`;
}

/** A duration for people: `3.2s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

const SHORT: Record<CheckOutcome, (r: CheckResult) => string> = {
  passed: () => 'passed',
  failed: (r) => `failed (exit ${r.exitCode})`,
  timed_out: () => 'timed out',
  failing_on_base: () => 'failing on base',
};

/** One line for a terminal: each check's result and time, running ones, the fix rounds. */
export function checksLine(report: ChecksReport): string {
  if (report.configured === 0) return 'none configured';
  const parts = report.results.map(
    (r) => `${r.name} ${SHORT[r.outcome](r)} ${seconds(r.durationMs)}`,
  );
  for (const name of report.running ?? []) parts.push(`${name} running`);
  parts.push(`fix rounds ${report.roundsUsed}/${report.maxFixRounds}`);
  return parts.join('; ');
}
