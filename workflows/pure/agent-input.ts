/**
 * What the issue workflow hands an agent's child workflow: its input (the
 * issue, the analysis, its areas and limits, its teammates, what the agents it
 * depends on did) and what the Web UI shows for it. Pure.
 */
import { agentWorkflowId } from '../../common/ids.js';
import { ALWAYS_PROTECTED } from '../../common/repo-rules.js';
import type { RepoConfig, ResolvedAgents } from '../../common/repo-config.js';
import type { RunSettings } from '../../common/run-settings.js';
import type {
  AgentMessage,
  AgentStatus,
  AgentType,
  AgentWorkflowInput,
  Analysis,
  IssueData,
  IssueRef,
  IssueText,
  Plan,
} from '../../common/schemas.js';

/** Everything about a run that every agent of its crew starts from. */
export interface CrewSpec {
  issueWorkflowId: string;
  ref: IssueRef;
  branch: string;
  issue: IssueData;
  analysis: Analysis;
  config: RepoConfig;
  agents: ResolvedAgents;
  plan: Plan;
  /** Commit of the default branch the run started from (agent docs are read there). */
  baseSha: string;
  settings: RunSettings;
  /** The retry number of this run, if it is one. */
  retry?: number;
}

export interface AgentChild {
  workflowId: string;
  input: AgentWorkflowInput;
  staticSummary: string;
  staticDetails: string;
}

/** The budgets in force when the agent starts (a raise may have lifted the config's). */
export interface AgentBudgets {
  agentTokens: number;
  pauseMinutes: number;
}

export function agentChild(
  spec: CrewSpec,
  agent: AgentType,
  crew: readonly AgentStatus[],
  budgets: AgentBudgets,
  inbox: AgentMessage[],
  /** The pinned issue text now (a writer may have edited it since the run loaded it). */
  issueText?: IssueText,
): AgentChild {
  const { ref, config, plan, issue } = spec;
  const repo = `${ref.owner}/${ref.repo}`;
  const dependsOn = plan.nodes.find((n) => n.agent === agent)?.dependsOn ?? [];
  const teammates = plan.nodes.map((n) => n.agent).filter((a) => a !== agent);
  const dependencySummaries = crew
    .filter((a) => a.state === 'done' && dependsOn.includes(a.agent))
    .map((a) => ({ agent: a.agent, summary: a.summary ?? '' }));
  const writablePaths = spec.agents[agent].paths;
  return {
    workflowId: agentWorkflowId(ref, agent),
    input: {
      issueWorkflowId: spec.issueWorkflowId,
      ref,
      agent,
      branch: spec.branch,
      model: config.model,
      modelTaskQueue: spec.settings.modelTaskQueue,
      maxTurns: config.limits.max_turns,
      tokenBudget: budgets.agentTokens,
      maxFiles: config.limits.max_files_per_agent,
      maxFileBytes: config.limits.max_file_bytes,
      protectedPaths: [...ALWAYS_PROTECTED, ...config.protected_paths],
      budgetPauseMinutes: budgets.pauseMinutes,
      ...(spec.retry ? { retry: spec.retry } : {}),
      modelCallTimeoutMs: spec.settings.modelCallTimeoutMs,
      ...(spec.settings.modelRetryWindowMs
        ? { modelRetryWindowMs: spec.settings.modelRetryWindowMs }
        : {}),
      context: {
        agent,
        repo,
        issue: { number: issue.number, title: issue.title, body: issue.body, ...issueText },
        analysis: spec.analysis,
        writablePaths,
        teammates,
        dependencySummaries,
        docsRef: spec.baseSha,
      },
      inbox,
    },
    staticSummary: `${agent} agent for ${repo}#${ref.number}`,
    staticDetails: [
      `**${agent} agent** for ${repo}#${ref.number}: ${issue.title}`,
      '',
      `writes: ${writablePaths.join(', ')}`,
      `after: ${dependsOn.join(', ') || 'nothing'}`,
      `limits: ${config.limits.max_turns} turns, ${budgets.agentTokens} tokens, model ${config.model}`,
    ].join('\n'),
  };
}
