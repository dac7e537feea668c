/**
 * Injected failures: per-agent `failWith` knobs of the scenario and the
 * fault rules of `POST /_sim/faults` (errors, connection resets, cut
 * streams), drawn from a seeded PRNG so a run can be repeated.
 */
import type { AgentKnobs } from './agent-player.js';
import { ApiError } from './protocol.js';
import { mulberry32 } from './prng.js';

export interface FaultRule {
  /** HTTP status of the error answer (ignored for `reset` and `streamCut`). */
  status?: number;
  /** Probability a matching request is hit, 0..1 (default 1). */
  rate?: number;
  /** Hit at most this many requests (default: no limit). */
  count?: number;
  /** Seconds, sent as `retry-after`. */
  retryAfter?: number;
  /** Only requests of this agent type. */
  agent?: string;
  /** Cut the response mid-message (destroy the socket after some events). */
  streamCut?: boolean;
  /** Destroy the connection before answering. */
  reset?: boolean;
}

export type Fault = { kind: 'error'; error: ApiError } | { kind: 'reset' } | { kind: 'streamCut' };

export function errorFor(status: number, retryAfter?: number): ApiError {
  const headers: Record<string, string> = {};
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  else if (status === 429) headers['retry-after'] = '1';
  return new ApiError(status, undefined, headers);
}

/** The scenario's `failWith` knobs, with how often each agent type has failed so far. */
export class FailWithBook {
  private readonly used = new Map<string, number>();

  reset(): void {
    this.used.clear();
  }

  draw(agent: string | null, knobs: AgentKnobs | undefined): ApiError | null {
    const fail = knobs?.failWith;
    if (!agent || !fail) return null;
    const used = this.used.get(agent) ?? 0;
    if (fail.times !== undefined && used >= fail.times) return null;
    this.used.set(agent, used + 1);
    return errorFor(fail.status, fail.retryAfter);
  }
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  reseed(seed: number): void {
    this.random = mulberry32(seed);
  }

  setRules(rules: readonly FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, remaining: rule.count ?? Infinity }));
  }

  clear(): void {
    this.rules = [];
  }

  get active(): FaultRule[] {
    return this.rules.map((r) => ({ ...r.rule }));
  }

  /** The fault for a request of `agent`, if a rule fires (first firing rule wins). */
  draw(agent: string | null): Fault | null {
    for (const active of this.rules) {
      const { rule } = active;
      if (active.remaining <= 0) continue;
      if (rule.agent !== undefined && rule.agent !== agent) continue;
      const rate = rule.rate ?? 1;
      if (rate < 1 && this.random() >= rate) continue;
      active.remaining--;
      if (rule.reset) return { kind: 'reset' };
      if (rule.streamCut) return { kind: 'streamCut' };
      return { kind: 'error', error: errorFor(rule.status ?? 500, rule.retryAfter) };
    }
    return null;
  }
}
