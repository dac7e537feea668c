/**
 * The `run` tool's result text: `exit code <n>, <ms> ms` (with `, killed:
 * <reason>` when the sandbox killed the command), a blank line, then the
 * captured output (already capped: head and tail, the middle cut with a marker).
 */
export interface RunSummary {
  exitCode: number;
  durationMs: number;
  output: string;
  killed?: string;
  note?: string;
}

export function formatRunResult(r: RunSummary): string {
  const head = `exit code ${r.exitCode}, ${r.durationMs} ms${r.killed ? `, killed: ${r.killed}` : ''}`;
  const body = r.note
    ? `${r.output}${r.output.endsWith('\n') || r.output === '' ? '' : '\n'}[${r.note}]`
    : r.output;
  return `${head}\n\n${body}`;
}
