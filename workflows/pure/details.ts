/**
 * What the Temporal Web UI shows of a run: the issue workflow's "current
 * details" (markdown) and one-line summaries of its agents. Pure.
 */
import { checksLine } from '../../common/check-text.js';
import type { AgentStatus, IssueStatus } from '../../common/schemas.js';
import { totalTokens } from '../../common/usage.js';
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

/** Markdown: paragraphs with hard line breaks, so the Web UI keeps one fact per line. */
export function renderDetails(s: IssueStatus): string {
  // The UI shows the first lines without scrolling: outcome first, then how it got there.
  const budget = s.budget ? ` of ${kTokens(s.budget.issueTokens)}` : '';
  const outcome = [`phase: **${s.phase}**`];
  if (s.prUrl) outcome.push(`PR: ${s.prUrl}${s.draft ? ' (draft)' : ''}`);
  if (s.error) outcome.push(`problem: ${s.error}`);
  if (s.paused) outcome.push(`paused: ${s.paused.reason} (until ${s.paused.until})`);
  outcome.push(
    `tokens: ${kTokens(totalTokens(s.tokens))}${budget}, messages: ${s.messages.length}`,
  );
  if (s.checks) outcome.push(`checks: ${checksLine(s.checks)}`);
  if (s.retry) outcome.push(`retry ${s.retry.number} of run ${s.retry.previousRunId}`);
  const how: string[] = [];
  if (s.analysis) {
    const a = s.analysis;
    how.push(`analysis: ${a.type} (${a.confidence.toFixed(2)}), ${a.complexity}, risk ${a.risk}`);
  }
  if (s.plan && s.plan.nodes.length > 0) {
    const order = s.plan.nodes.map((n) =>
      n.dependsOn.length ? `${n.agent} ← ${n.dependsOn.join(', ')}` : n.agent,
    );
    how.push(`plan: ${order.join('; ')}`);
  }
  const paragraphs = [
    `**${s.repo}#${s.issue}** ${s.title ?? ''}`.trimEnd(),
    outcome.join('  \n'),
    ...(s.agents.length > 0 ? [s.agents.map((a) => `- ${agentLine(a)}`).join('\n')] : []),
    ...(how.length > 0 ? [how.join('  \n')] : []),
  ];
  return paragraphs.join('\n\n');
}
