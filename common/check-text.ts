/**
 * The checks' names and times as people and GitHub read them. Pure and free of
 * zod: the workflow bundle imports it (checks.ts holds the schemas).
 */

/** Every check's commit status context is `blogtube/<name>`. */
export const STATUS_CONTEXT_PREFIX = 'blogtube/';

export function statusContext(check: string): string {
  return `${STATUS_CONTEXT_PREFIX}${check}`;
}

/** A duration for people: `3.2s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
