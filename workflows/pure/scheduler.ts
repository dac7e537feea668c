/**
 * The DAG of agents for one issue: built from the analysis and the repository
 * config, then advanced step by step by the issue workflow. Pure.
 */
import { AGENT_TYPES } from '../../common/agent-types.js';
import type { AgentRunState, AgentType, IssueType, Plan } from '../../common/schemas.js';
import { findCycle, type ResolvedAgents } from '../../common/repo-rules.js';

/** Preferred order among ready agents when the limit forces a choice (the seed's orderings). */
export const TYPE_PRIORITY: Record<IssueType, AgentType[]> = {
  bug: ['backend', 'frontend', 'database', 'devops', 'documentation'],
  feature: ['database', 'backend', 'frontend', 'documentation', 'devops'],
  documentation: ['documentation', 'frontend', 'backend', 'database', 'devops'],
  performance: ['devops', 'database', 'backend', 'frontend', 'documentation'],
  question: ['database', 'backend', 'frontend', 'documentation', 'devops'],
};

/** All agents `agent` depends on, directly or through others. */
function transitiveDeps(agent: AgentType, agents: ResolvedAgents): Set<AgentType> {
  const seen = new Set<AgentType>();
  const stack = [...agents[agent].depends_on];
  while (stack.length > 0) {
    const next = stack.pop() as AgentType;
    if (seen.has(next) || next === agent) continue;
    seen.add(next);
    stack.push(...agents[next].depends_on);
  }
  return seen;
}

/**
 * The plan for a crew: each chosen agent waits for the chosen agents it
 * depends on, directly or through agents that are not part of this crew.
 */
export function buildPlan(
  crew: readonly AgentType[],
  agents: ResolvedAgents,
  issueType: IssueType,
  maxParallel: number,
): Plan {
  const cycle = findCycle(agents);
  if (cycle) throw new Error(`agent dependency cycle: ${cycle.join(' -> ')}`);
  const chosen = AGENT_TYPES.filter((a) => crew.includes(a) && agents[a].enabled);
  const nodes = chosen.map((agent) => {
    const deps = transitiveDeps(agent, agents);
    return { agent, dependsOn: chosen.filter((c) => deps.has(c)) };
  });
  const priority = TYPE_PRIORITY[issueType].filter((a) => chosen.includes(a));
  return { nodes, priority, maxParallel };
}

export type RunStates = Partial<Record<AgentType, AgentRunState>>;

/** Pending agents whose dependency failed or was skipped: they are skipped in turn. */
export function agentsToSkip(plan: Plan, states: RunStates): AgentType[] {
  const out: AgentType[] = [];
  const effective: RunStates = { ...states };
  let changed = true;
  while (changed) {
    changed = false;
    for (const node of plan.nodes) {
      if (effective[node.agent] !== 'pending') continue;
      const blocked = node.dependsOn.some(
        (d) => effective[d] === 'failed' || effective[d] === 'skipped',
      );
      if (blocked) {
        effective[node.agent] = 'skipped';
        out.push(node.agent);
        changed = true;
      }
    }
  }
  return out;
}

/** Agents to start now: pending, dependencies done, within the per-issue limit, by priority. */
export function agentsToStart(plan: Plan, states: RunStates): AgentType[] {
  const running = plan.nodes.filter((n) => states[n.agent] === 'running').length;
  const free = Math.max(0, plan.maxParallel - running);
  const ready = plan.nodes
    .filter((n) => states[n.agent] === 'pending')
    .filter((n) => n.dependsOn.every((d) => states[d] === 'done'))
    .map((n) => n.agent);
  const rank = (a: AgentType) => {
    const i = plan.priority.indexOf(a);
    return i === -1 ? AGENT_TYPES.length : i;
  };
  return ready.sort((a, b) => rank(a) - rank(b)).slice(0, free);
}

export function isFinished(plan: Plan, states: RunStates): boolean {
  return plan.nodes.every((n) => {
    const s = states[n.agent];
    return s === 'done' || s === 'failed' || s === 'skipped';
  });
}
