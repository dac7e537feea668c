/** Statistics of finished runs for `blogtube report`. Pure. */
import {
  AGENT_TYPES,
  TERMINAL_PHASES,
  ZERO_USAGE,
  addUsage,
  totalTokens,
} from '../../common/schemas.js';
import type { AgentType, IssueStatus, Phase, TokenUsage } from '../../common/schemas.js';
import { estimateCost } from './pricing.js';

/** Percentile by linear interpolation between closest ranks (R-7, as spreadsheets do). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0–100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

export interface Distribution {
  n: number;
  p50?: number;
  p95?: number;
  max?: number;
}

export function distribution(values: readonly number[]): Distribution {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: values.length ? Math.max(...values) : undefined,
  };
}

/** `7d`, `12h`, `30m`, or an ISO date: the start of the report's window, in ms. */
export function parseSince(text: string, nowMs: number): number {
  const m = /^(\d+)\s*([dhm])$/.exec(text.trim());
  if (m) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
    return nowMs - Number(m[1]) * unit;
  }
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new Error(`--since: expected e.g. 7d, 12h, 30m or a date, got "${text}"`);
  return at;
}

/** How long phase `phase` lasted, from the run's timeline. */
export function phaseMs(s: IssueStatus, phase: Phase): number | undefined {
  const t = s.timeline ?? [];
  const i = t.findIndex((e) => e.phase === phase);
  const next = t[i + 1];
  if (i < 0 || !next) return undefined;
  return Date.parse(next.at) - Date.parse((t[i] as { at: string }).at);
}

export function isTerminal(s: IssueStatus): boolean {
  return TERMINAL_PHASES.includes(s.phase);
}

/** A finished run succeeded when it ended `done` with every agent done and no problem. */
export function succeeded(s: IssueStatus): boolean {
  return s.phase === 'done' && !s.error && s.agents.every((a) => a.state === 'done');
}

export function endToEndMs(s: IssueStatus): number | undefined {
  if (!isTerminal(s)) return undefined;
  const last = s.timeline?.[s.timeline.length - 1];
  return last ? Date.parse(last.at) - Date.parse(s.startedAt) : undefined;
}

export interface AgentTotals {
  agent: AgentType;
  runs: number;
  failed: number;
  tokens: TokenUsage;
  totalTokens: number;
  costUsd: number;
}

export interface Report {
  runs: number;
  finished: number;
  succeeded: number;
  /** succeeded / finished, or undefined with none finished. */
  successRate?: number;
  byPhase: Partial<Record<Phase, number>>;
  timingsMs: {
    analysis: Distribution;
    agentSpawn: Distribution;
    prCreation: Distribution;
    endToEnd: Distribution;
  };
  byAgent: AgentTotals[];
  totalTokens: number;
  costUsd: number;
}

export function summarize(statuses: readonly IssueStatus[]): Report {
  const finished = statuses.filter(isTerminal);
  const ok = finished.filter(succeeded);
  const byPhase: Partial<Record<Phase, number>> = {};
  for (const s of statuses) byPhase[s.phase] = (byPhase[s.phase] ?? 0) + 1;
  const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
  const agents = new Map<AgentType, AgentTotals>();
  let costUsd = 0;
  let tokens = 0;
  for (const s of statuses) {
    // Work carried over by a retry was paid for (and is counted) in the run before.
    for (const a of s.agents.filter((x) => !x.carriedFrom && x.attempts > 0)) {
      const t = agents.get(a.agent) ?? {
        agent: a.agent,
        runs: 0,
        failed: 0,
        tokens: ZERO_USAGE,
        totalTokens: 0,
        costUsd: 0,
      };
      const cost = estimateCost(s.model, a.tokens).usd;
      t.runs += 1;
      if (a.state === 'failed') t.failed += 1;
      t.tokens = addUsage(t.tokens, a.tokens);
      t.totalTokens += totalTokens(a.tokens);
      t.costUsd += cost;
      costUsd += cost;
      tokens += totalTokens(a.tokens);
      agents.set(a.agent, t);
    }
  }
  return {
    runs: statuses.length,
    finished: finished.length,
    succeeded: ok.length,
    successRate: finished.length ? ok.length / finished.length : undefined,
    byPhase,
    timingsMs: {
      analysis: distribution(defined(statuses.map((s) => phaseMs(s, 'analyzing')))),
      agentSpawn: distribution(
        defined(
          statuses.flatMap((s) => s.agents.filter((a) => !a.carriedFrom).map((a) => a.spawnMs)),
        ),
      ),
      prCreation: distribution(defined(statuses.map((s) => phaseMs(s, 'opening_pr')))),
      endToEnd: distribution(defined(statuses.map(endToEndMs))),
    },
    byAgent: AGENT_TYPES.flatMap((a) => {
      const t = agents.get(a);
      return t ? [t] : [];
    }),
    totalTokens: tokens,
    costUsd,
  };
}
