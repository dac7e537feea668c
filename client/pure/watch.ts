/**
 * `blogtube watch`: a frame of the live view (agents as rows with a progress
 * bar) for terminals, and one line per change for logs and pipes. Pure.
 */
import { checksLine } from '../../common/checks.js';
import { TERMINAL_PHASES, totalTokens } from '../../common/schemas.js';
import type { AgentStatus, AgentType, IssueStatus } from '../../common/schemas.js';
import type { AgentProgress } from '../../common/workflow-api.js';
import { estimateCost, formatUsd } from './pricing.js';
import { table } from './format.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR = 20;

export type ProgressByAgent = Partial<Record<AgentType, AgentProgress>>;

/** `[########............] 5/12`: turns done of the agent's turn limit. */
export function progressBar(done: number, of: number, width = BAR): string {
  const ratio = of > 0 ? Math.min(1, Math.max(0, done / of)) : 0;
  const full = Math.round(ratio * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

function agentProgressCell(a: AgentStatus, p: AgentProgress | undefined, tick: number): string {
  switch (a.state) {
    case 'done':
      return `${progressBar(1, 1)} ${a.turns} turns`;
    case 'running':
      if (a.paused || p?.paused) return `${progressBar(p?.turn ?? 0, p?.maxTurns ?? 1)} paused`;
      return `${progressBar(Math.max(0, (p?.turn ?? 1) - 1), p?.maxTurns ?? 1)} ${SPINNER[tick % SPINNER.length]} turn ${p?.turn ?? '?'}/${p?.maxTurns ?? '?'}`;
    case 'pending':
      return `${progressBar(0, 1)} waiting`;
    default:
      return `${progressBar(0, 1)} ${a.state}`;
  }
}

export function isOver(s: IssueStatus): boolean {
  return TERMINAL_PHASES.includes(s.phase);
}

/** Exit status of `watch`: 0 when the run ended done with every agent done, 1 otherwise. */
export function watchExitCode(s: IssueStatus): number {
  return s.phase === 'done' && !s.error && s.agents.every((a) => a.state === 'done') ? 0 : 1;
}

export function renderWatchFrame(s: IssueStatus, progress: ProgressByAgent, tick: number): string {
  const tokens = totalTokens(s.tokens);
  // The status counts finished agents; running ones report their own tokens.
  const live = s.agents
    .filter((a) => a.state === 'running')
    .reduce((n, a) => n + totalTokens(progress[a.agent]?.tokens ?? a.tokens), 0);
  const lines = [
    `${s.repo}#${s.issue}  ${s.title ?? ''}`.trimEnd(),
    `phase ${s.phase}${isOver(s) ? '' : ` ${SPINNER[tick % SPINNER.length]}`}   tokens ${tokens + live}${s.budget ? ` of ${s.budget.issueTokens}` : ''}   cost ~${formatUsd(estimateCost(s.model, s.tokens).usd)}   messages ${s.messages.length}`,
  ];
  if (s.paused) lines.push(`PAUSED: ${s.paused.reason} (until ${s.paused.until})`);
  if (s.prUrl) lines.push(`PR ${s.prUrl}${s.draft ? ' (draft)' : ''}`);
  if (s.error) lines.push(`problem: ${s.error}`);
  lines.push('');
  const rows = [['AGENT', 'STATE', 'PROGRESS', 'TOKENS', 'FILES']];
  for (const a of s.agents) {
    const p = progress[a.agent];
    rows.push([
      a.agent,
      a.paused ? 'paused' : a.state,
      agentProgressCell(a, p, tick),
      String(a.state === 'running' && p ? totalTokens(p.tokens) : totalTokens(a.tokens)),
      String(a.state === 'running' && p ? p.files : a.files.length),
    ]);
  }
  if (s.agents.length > 0) lines.push(table(rows));
  else lines.push('(no agents planned yet)');
  if (s.checks) lines.push('', `checks ${checksLine(s.checks)}`);
  return lines.join('\n');
}

/** What changed between two polls, one line each (for non-TTY output). */
export function changeLines(prev: IssueStatus | undefined, next: IssueStatus): string[] {
  const out: string[] = [];
  if (!prev || prev.phase !== next.phase) out.push(`phase ${next.phase}`);
  for (const a of next.agents) {
    const before = prev?.agents.find((b) => b.agent === a.agent);
    if (!before || before.state !== a.state) {
      const extra =
        a.state === 'done'
          ? ` (${a.files.length} file(s), ${totalTokens(a.tokens)} tokens)`
          : a.error
            ? ` (${a.error})`
            : '';
      out.push(`${a.agent} ${a.state}${extra}`);
    }
    if ((before?.paused ?? '') !== (a.paused ?? '') && a.paused)
      out.push(`${a.agent} paused: ${a.paused}`);
  }
  if ((prev?.paused?.reason ?? '') !== (next.paused?.reason ?? '')) {
    out.push(next.paused ? `paused: ${next.paused.reason}` : 'resumed');
  }
  if (next.messages.length > (prev?.messages.length ?? 0)) {
    for (const m of next.messages.slice(prev?.messages.length ?? 0)) {
      out.push(`message ${m.from} → ${m.to}: ${m.text.replace(/\s+/g, ' ').slice(0, 80)}`);
    }
  }
  if (next.checks) {
    const line = checksLine(next.checks);
    if (!prev?.checks || checksLine(prev.checks) !== line) out.push(`checks ${line}`);
  }
  if (next.prUrl && next.prUrl !== prev?.prUrl)
    out.push(`PR ${next.prUrl}${next.draft ? ' (draft)' : ''}`);
  if (next.error && next.error !== prev?.error) out.push(`problem: ${next.error}`);
  return out;
}
