/**
 * What the Temporal Web UI shows of a run: the issue workflow's "current
 * details" (markdown) and one-line summaries of its agents. Pure.
 */
import type { AgentStatus, IssueStatus } from '../../common/schemas.js';
import { totalTokens } from '../../common/schemas.js';
import { kTokens } from './report.js';

/** `backend agent: done, 4 files, 12.3k tokens`. */
export function agentLine(a: AgentStatus): string {
  const parts = [`${a.agent} agent: ${a.paused ? 'paused' : a.state}`];
  if (a.files.length > 0 || a.state === 'done') parts.push(`${a.files.length} file(s)`);
  if (totalTokens(a.tokens) > 0) parts.push(`${kTokens(totalTokens(a.tokens))} tokens`);
  if (a.durationMs !== undefined) parts.push(`${(a.durationMs / 1000).toFixed(1)}s`);
  if (a.carriedFrom) parts.push('kept from the previous run');
  return parts.join(', ');
}

export function renderDetails(s: IssueStatus): string {
  const lines = [
    `**${s.repo}#${s.issue}** ${s.title ?? ''}`.trimEnd(),
    '',
    `phase: **${s.phase}**`,
  ];
  if (s.retry) lines.push(`retry ${s.retry.number} of run ${s.retry.previousRunId}`);
  if (s.analysis) {
    const a = s.analysis;
    lines.push(`analysis: ${a.type} (${a.confidence.toFixed(2)}), ${a.complexity}, risk ${a.risk}`);
  }
  if (s.plan && s.plan.nodes.length > 0) {
    lines.push(
      `plan: ${s.plan.nodes.map((n) => (n.dependsOn.length ? `${n.agent} ← ${n.dependsOn.join(', ')}` : n.agent)).join('; ')}`,
    );
  }
  if (s.agents.length > 0) lines.push('', ...s.agents.map((a) => `- ${agentLine(a)}`));
  const budget = s.budget ? ` of ${kTokens(s.budget.issueTokens)}` : '';
  lines.push(
    '',
    `tokens: ${kTokens(totalTokens(s.tokens))}${budget}, messages: ${s.messages.length}`,
  );
  if (s.paused) lines.push(`paused: ${s.paused.reason} (until ${s.paused.until})`);
  if (s.prUrl) lines.push(`PR: ${s.prUrl}${s.draft ? ' (draft)' : ''}`);
  if (s.error) lines.push(`problem: ${s.error}`);
  return lines.join('\n');
}
