/** Human-readable renderings for the CLI. Pure. */
import type { IssueStatus } from '../../common/schemas.js';
import { totalTokens } from '../../common/schemas.js';

export interface RunListItem {
  workflowId: string;
  status: string;
  phase: string;
  prUrl?: string;
  startTime: string;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => pad(c, widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatStatus(s: IssueStatus): string {
  const lines = [
    `${s.repo}#${s.issue}  ${s.title ?? ''}`.trimEnd(),
    `workflow  ${s.workflowId}`,
    `phase     ${s.phase}`,
  ];
  if (s.analysis) {
    lines.push(
      `analysis  ${s.analysis.type} (${s.analysis.confidence.toFixed(2)}), ${s.analysis.complexity}, risk ${s.analysis.risk}`,
    );
  }
  if (s.prUrl) lines.push(`PR        ${s.prUrl}${s.draft ? ' (draft)' : ''}`);
  if (s.error) lines.push(`problem   ${s.error}`);
  lines.push(`tokens    ${totalTokens(s.tokens)}`, '');
  const rows = [['AGENT', 'STATE', 'ATTEMPTS', 'TURNS', 'DURATION', 'TOKENS', 'FILES']];
  for (const a of s.agents) {
    rows.push([
      a.agent,
      a.state,
      String(a.attempts),
      String(a.turns),
      a.durationMs !== undefined ? `${(a.durationMs / 1000).toFixed(1)}s` : '-',
      String(totalTokens(a.tokens)),
      String(a.files.length),
    ]);
  }
  lines.push(table(rows));
  if (s.messages.length > 0) {
    lines.push('', 'messages:');
    for (const m of s.messages) lines.push(`  ${m.from} → ${m.to}: ${m.text.slice(0, 100)}`);
  }
  return lines.join('\n');
}

export function formatList(items: readonly RunListItem[]): string {
  if (items.length === 0) return 'no runs';
  const rows = [['WORKFLOW', 'STATUS', 'PHASE', 'STARTED', 'PR']];
  for (const i of items) rows.push([i.workflowId, i.status, i.phase, i.startTime, i.prUrl ?? '']);
  return table(rows);
}
