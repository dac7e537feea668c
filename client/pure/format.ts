/** Human-readable renderings for the CLI. Pure. */
import { checksLine } from '../../common/checks.js';
import type { IssueStatus } from '../../common/schemas.js';
import type { AgentCommand } from '../../common/workflow-api.js';
import { totalTokens } from '../../common/schemas.js';
import { estimateCost, formatUsd } from './pricing.js';
import type { Report } from './stats.js';

export interface RunListItem {
  workflowId: string;
  runId?: string;
  status: string;
  phase: string;
  repo?: string;
  issue?: number;
  risk?: string;
  agentsFailed?: number;
  prUrl?: string;
  startTime: string;
  closeTime?: string;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function table(rows: string[][]): string {
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

function seconds(ms: number | undefined): string {
  return ms !== undefined ? `${(ms / 1000).toFixed(1)}s` : '-';
}

/** The status with its estimated cost (for `status --json`). */
export function withCost(s: IssueStatus): IssueStatus & {
  cost: { usd: number; pricedAs: string; note?: string; byAgent: Record<string, number> };
} {
  const total = estimateCost(s.model, s.tokens);
  const byAgent: Record<string, number> = {};
  for (const a of s.agents) byAgent[a.agent] = estimateCost(s.model, a.tokens).usd;
  return {
    ...s,
    cost: {
      usd: total.usd,
      pricedAs: total.family,
      ...(total.note ? { note: total.note } : {}),
      byAgent,
    },
  };
}

/** Workspace agents' commands by agent (`blogtube status`). */
export type CommandsByAgent = Partial<Record<string, AgentCommand[]>>;

/** Output lines shown per command in `blogtube status`. */
export const STATUS_OUTPUT_LINES = 6;

/**
 * Each command as `<agent> $ <command>` with its result line (`exit code 0,
 * 812 ms`) and the last lines of its output.
 */
export function formatCommands(byAgent: CommandsByAgent, lines = STATUS_OUTPUT_LINES): string[] {
  const out: string[] = [];
  for (const [agent, commands] of Object.entries(byAgent)) {
    for (const c of commands ?? []) {
      const [head = '', ...rest] = c.result.split('\n');
      const body = rest.filter((l) => l.trim() !== '');
      out.push(
        `  ${agent} $ ${c.command.replace(/\s+/g, ' ').slice(0, 120)}  → ${c.failed ? `sandbox failed: ${head}` : head}`,
      );
      const shown = body.slice(-lines);
      if (body.length > shown.length)
        out.push(`    │ … (${body.length - shown.length} lines above)`);
      for (const l of shown) out.push(`    │ ${l.slice(0, 200)}`);
    }
  }
  return out.length > 0
    ? ['', `commands (${out.filter((l) => !l.startsWith('    ')).length}):`, ...out]
    : [];
}

export function formatStatus(s: IssueStatus, commands: CommandsByAgent = {}): string {
  const lines = [
    `${s.repo}#${s.issue}  ${s.title ?? ''}`.trimEnd(),
    `workflow  ${s.workflowId}`,
    `phase     ${s.phase}`,
  ];
  if (s.retry) lines.push(`retry     ${s.retry.number} (after run ${s.retry.previousRunId})`);
  if (s.analysis) {
    lines.push(
      `analysis  ${s.analysis.type} (${s.analysis.confidence.toFixed(2)}), ${s.analysis.complexity}, risk ${s.analysis.risk}`,
    );
  }
  if (s.plan && s.plan.nodes.length > 0) {
    const order = s.plan.nodes
      .map((n) => (n.dependsOn.length ? `${n.agent} ← ${n.dependsOn.join(', ')}` : n.agent))
      .join('; ');
    lines.push(`plan      ${order} (at most ${s.plan.maxParallel} at once)`);
  }
  if (s.checks) lines.push(`checks    ${checksLine(s.checks)}`);
  if (s.prUrl) lines.push(`PR        ${s.prUrl}${s.draft ? ' (draft)' : ''}`);
  if (s.paused) lines.push(`paused    ${s.paused.reason} (until ${s.paused.until})`);
  if (s.error) lines.push(`problem   ${s.error}`);
  const cost = estimateCost(s.model, s.tokens);
  const budget = s.budget ? ` of ${s.budget.issueTokens} budget` : '';
  lines.push(
    `tokens    ${totalTokens(s.tokens)}${budget}`,
    `cost      ~${formatUsd(cost.usd)} (estimated, ${s.model ?? 'model unknown'} priced as ${cost.family})`,
    `messages  ${s.messages.length}`,
  );
  const end = s.timeline?.[s.timeline.length - 1];
  if (end && ['done', 'failed', 'rejected', 'cancelled', 'answered'].includes(s.phase)) {
    lines.push(`duration  ${seconds(Date.parse(end.at) - Date.parse(s.startedAt))}`);
  }
  lines.push('');
  const rows = [['AGENT', 'STATE', 'ATTEMPTS', 'TURNS', 'DURATION', 'TOKENS', 'COST', 'FILES']];
  for (const a of s.agents) {
    rows.push([
      a.agent,
      a.paused ? 'paused' : a.state,
      String(a.attempts),
      String(a.turns),
      seconds(a.durationMs),
      String(totalTokens(a.tokens)),
      formatUsd(estimateCost(s.model, a.tokens).usd),
      `${a.files.length}${a.carriedFrom ? ' (kept)' : ''}`,
    ]);
  }
  if (s.agents.length > 0) lines.push(table(rows));
  else lines.push('(no agents planned)');
  const problems = s.agents.filter((a) => a.error);
  if (problems.length > 0) {
    lines.push('', 'problems:');
    for (const a of problems) lines.push(`  ${a.agent}: ${a.error}`);
  }
  if (s.messages.length > 0) {
    lines.push('', `messages (${s.messages.length}):`);
    for (const m of s.messages) {
      lines.push(`  ${m.from} → ${m.to}: ${m.text.replace(/\s+/g, ' ').slice(0, 100)}`);
    }
  }
  lines.push(...formatCommands(commands));
  return lines.join('\n');
}

export function formatList(items: readonly RunListItem[]): string {
  if (items.length === 0) return 'no runs';
  const rows = [['WORKFLOW', 'STATUS', 'PHASE', 'FAILED', 'STARTED', 'PR']];
  for (const i of items) {
    rows.push([
      i.workflowId,
      i.status,
      i.phase,
      String(i.agentsFailed ?? '-'),
      i.startTime,
      i.prUrl ?? '',
    ]);
  }
  return table(rows);
}

function ms(x: number | undefined): string {
  if (x === undefined) return '-';
  return x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`;
}

export function formatReport(r: Report, sinceIso: string): string {
  const rate = r.successRate === undefined ? '-' : `${(r.successRate * 100).toFixed(1)}%`;
  const lines = [
    `runs since ${sinceIso}: ${r.runs} (${r.finished} finished, ${r.succeeded} succeeded, success rate ${rate})`,
    `phases: ${
      Object.entries(r.byPhase)
        .map(([p, n]) => `${p} ${n}`)
        .join(', ') || '-'
    }`,
    '',
  ];
  const t = r.timingsMs;
  const rows = [['TIMING', 'N', 'P50', 'P95', 'MAX']];
  for (const [name, d] of [
    ['analysis', t.analysis],
    ['agent spawn', t.agentSpawn],
    ['PR creation', t.prCreation],
    ['end to end', t.endToEnd],
  ] as const) {
    rows.push([name, String(d.n), ms(d.p50), ms(d.p95), ms(d.max)]);
  }
  lines.push(table(rows), '');
  const agents = [['AGENT', 'RUNS', 'FAILED', 'TOKENS', 'COST']];
  for (const a of r.byAgent) {
    agents.push([
      a.agent,
      String(a.runs),
      String(a.failed),
      String(a.totalTokens),
      formatUsd(a.costUsd),
    ]);
  }
  agents.push(['total', '', '', String(r.totalTokens), formatUsd(r.costUsd)]);
  lines.push(
    table(agents),
    '',
    'costs are estimates from the price table in client/pure/pricing.ts',
  );
  return lines.join('\n');
}
