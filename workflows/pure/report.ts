/**
 * The words the system writes on GitHub: the progress comment and the pull
 * request. Pure functions of the run's status.
 */
import { inertMarkdown, inertPlain } from '../../common/inert-text.js';
import type { AgentStatus, IssueStatus } from '../../common/schemas.js';
import { totalTokens } from '../../common/usage.js';
import { checksDraft, checksDraftNote, renderChecks } from './checks.js';

const ICON: Record<AgentStatus['state'], string> = {
  pending: '⏳',
  running: '🔄',
  done: '✅',
  failed: '❌',
  skipped: '⏭️',
};

const PHASE_TEXT: Record<IssueStatus['phase'], string> = {
  loading: 'Loading the issue and the repository configuration',
  analyzing: 'Analyzing the issue',
  planning: 'Planning the crew',
  awaiting_approval: 'Waiting for a maintainer to approve the plan (`/blogtube approve`)',
  question: 'This looks like a question, so no change was made',
  running: 'Agents at work',
  paused: 'Paused: the token budget is spent',
  checking: "Running the repository's checks",
  opening_pr: 'Opening the pull request',
  done: 'Done',
  failed: 'Failed',
  rejected: 'Plan rejected',
  cancelled: 'Cancelled',
  answered: 'This looks like a question, so no change was made',
};

export function kTokens(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

function agentRow(a: AgentStatus): string {
  const secs = a.durationMs !== undefined ? `${(a.durationMs / 1000).toFixed(1)}s` : '';
  const note = inertMarkdown(oneLine(a.paused ?? a.error ?? a.summary ?? '').slice(0, 160)).replace(
    /\|/g,
    '\\|',
  );
  return `| ${ICON[a.state]} ${a.agent} | ${a.state} | ${a.files.length} | ${kTokens(totalTokens(a.tokens))} | ${secs} | ${note} |`;
}

export function renderProgress(s: IssueStatus): string {
  const lines = [`### 🤖 BlogTube Automation — ${PHASE_TEXT[s.phase]}`, ''];
  if (s.analysis) {
    const a = s.analysis;
    lines.push(
      `**Analysis:** ${a.type} (confidence ${a.confidence.toFixed(2)}), ${a.complexity}, risk ${a.risk}`,
      '',
      '<details><summary>Why</summary>',
      '',
      ...a.reasons.map((r) => `- ${inertMarkdown(r)}`),
      '',
      '</details>',
      '',
    );
  }
  if (s.phase === 'question' || s.phase === 'answered') {
    lines.push(
      'BlogTube writes code for bugs and feature requests; this issue reads as a question, so',
      'no agent was started and nothing was changed. A maintainer or anyone who knows the answer',
      'can reply here.',
      '',
      s.phase === 'question'
        ? 'If a change is wanted after all, a maintainer can comment `/blogtube run` or add the trigger label, and the crew will start.'
        : 'If a change is wanted after all, a maintainer can re-run BlogTube on this issue from the CLI.',
      '',
    );
  }
  if (s.plan) {
    const order = s.plan.nodes
      .map((n) => (n.dependsOn.length ? `${n.agent} ← ${n.dependsOn.join(', ')}` : n.agent))
      .join('; ');
    lines.push(`**Plan:** ${order} (at most ${s.plan.maxParallel} at once)`, '');
  }
  if (s.agents.length > 0) {
    lines.push('| Agent | State | Files | Tokens | Time | Notes |', '|---|---|---|---|---|---|');
    lines.push(...s.agents.map(agentRow), '');
  }
  if (s.paused) {
    lines.push(
      `**Paused:** ${inertMarkdown(s.paused.reason)}. A maintainer can raise the budget (\`npx blogtube budget ${s.repo}#${s.issue} --add-tokens N\`) or cancel; otherwise the run stops waiting at ${s.paused.until}.`,
      '',
    );
  }
  if (s.checks) lines.push(renderChecks(s.checks), '');
  if (s.prUrl) lines.push(`**Pull request:** ${s.prUrl}${s.draft ? ' (draft)' : ''}`, '');
  if (s.error) lines.push(`**Problem:** ${inertMarkdown(s.error)}`, '');
  return lines.join('\n');
}

/** Others' text on one line of a list (a newline could start a heading or a line of its own). */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

export function renderPullRequest(s: IssueStatus): { title: string; body: string; draft: boolean } {
  const failed = s.agents.filter((a) => a.state === 'failed' || a.state === 'skipped');
  const done = s.agents.filter((a) => a.state === 'done');
  const lines = [
    `Fixes #${s.issue}`,
    '',
    `Written by the BlogTube Automation crew for #${s.issue}.`,
    '',
  ];
  for (const a of done)
    lines.push(
      `- **${a.agent}**: ${inertMarkdown(oneLine(a.summary ?? 'done'))} (${inertMarkdown(a.files.join(', ')) || 'no files'})`,
    );
  if (failed.length > 0) {
    lines.push('', '**Not finished:**');
    for (const a of failed)
      lines.push(
        `- **${a.agent}** ${a.state}: ${inertMarkdown(oneLine(a.error ?? 'a dependency did not finish'))}`,
      );
    lines.push('', 'This PR is a draft because part of the plan did not finish.');
  }
  if (s.error) lines.push('', `**Stopped:** ${inertMarkdown(oneLine(s.error))}`);
  const checksNote = s.checks && checksDraftNote(s.checks);
  if (s.checks) lines.push('', renderChecks(s.checks));
  if (checksNote) lines.push('', checksNote);
  lines.push('', '_Review before merging: BlogTube never merges automatically._');
  const title =
    `${failed.length > 0 ? '[partial] ' : ''}${s.title ? inertPlain(s.title) : `Issue #${s.issue}`}`.slice(
      0,
      200,
    );
  const draft =
    failed.length > 0 || s.error !== undefined || (s.checks !== undefined && checksDraft(s.checks));
  return { title, body: lines.join('\n'), draft };
}
