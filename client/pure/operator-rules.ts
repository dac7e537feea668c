/** Rules of the operator's commands that need no Temporal: list filters, what a retry keeps. Pure. */
import { AGENT_TYPES, Phase } from '../../common/schemas.js';
import type { AgentType, IssueStatus, RetrySeed } from '../../common/schemas.js';
import { CliError, EXIT } from './cli-errors.js';

export interface ListFilter {
  repo?: string;
  phase?: string;
  failed?: boolean;
  sinceIso?: string;
}

/** Visibility query over the issue workflows' search attributes. */
export function listQuery(workflowType: string, f: ListFilter): string {
  const clauses = [`WorkflowType = '${workflowType}'`];
  if (f.repo) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(f.repo))
      throw new CliError('--repo must be owner/repo', EXIT.usage);
    clauses.push(`BlogTubeRepo = '${f.repo}'`);
  }
  if (f.phase) {
    if (!Phase.safeParse(f.phase).success) {
      throw new CliError(`--phase must be one of: ${Phase.options.join(', ')}`, EXIT.usage);
    }
    clauses.push(`BlogTubePhase = '${f.phase}'`);
  }
  if (f.failed) {
    clauses.push(
      `(BlogTubeAgentsFailed > 0 OR BlogTubePhase = 'failed' OR ExecutionStatus IN ('Failed', 'TimedOut', 'Terminated'))`,
    );
  }
  if (f.sinceIso) clauses.push(`StartTime >= '${f.sinceIso}'`);
  return clauses.join(' AND ');
}

export interface RetryPlan {
  seed: RetrySeed;
  rerun: AgentType[];
}

/**
 * What a retry keeps and what it runs again: every agent that did not finish,
 * or (with `only`) just the named ones; the rest keep their commits. Pure.
 */
export function planRetry(
  prev: IssueStatus,
  previousRunId: string,
  only: AgentType[],
  /** `--checks`: the checks (and their fix rounds) run again on the head even when no agent does. */
  checks = false,
): RetryPlan {
  const inPlan = prev.agents.map((a) => a.agent);
  for (const a of only) {
    if (!inPlan.includes(a)) {
      throw new CliError(
        `the ${a} agent was not in the plan of the previous run (${inPlan.join(', ') || 'no agents'})`,
        EXIT.usage,
      );
    }
  }
  const keep = prev.agents.filter((a) => a.state === 'done' && !only.includes(a.agent));
  const rerun = inPlan.filter((a) => !keep.some((k) => k.agent === a));
  if (prev.agents.length > 0 && rerun.length === 0 && !checks) {
    throw new CliError(
      'every agent of the previous run finished: name the ones to run again with --agent, or run the checks again with --checks',
      EXIT.conflict,
    );
  }
  const attempts: Record<string, number> = {};
  for (const a of prev.agents) attempts[a.agent] = a.attempts;
  return {
    seed: {
      number: (prev.retry?.number ?? 0) + 1,
      previousRunId,
      keep,
      attempts,
      planApproved: prev.agents.some((a) => a.attempts > 0),
      ...(prev.branch ? { branch: prev.branch } : {}),
    },
    rerun,
  };
}

export function parseAgents(list: string[] | undefined): AgentType[] {
  const out: AgentType[] = [];
  for (const item of (list ?? []).flatMap((x) => x.split(','))) {
    const a = item.trim();
    if (!a) continue;
    if (!(AGENT_TYPES as readonly string[]).includes(a)) {
      throw new CliError(`unknown agent "${a}" (one of: ${AGENT_TYPES.join(', ')})`, EXIT.usage);
    }
    if (!out.includes(a as AgentType)) out.push(a as AgentType);
  }
  return out;
}
