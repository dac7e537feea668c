/**
 * The bookkeeping of one issue run, without Temporal: its status (what
 * `blogtube status` and the progress comment show), the phase and its
 * timeline, the agents' states, the budgets in force and the pauses they
 * cause. The issue workflow owns one RunState; the clock and what happens on a
 * phase change (search attribute, Web UI details) are handed in, so the rules
 * can be tested as plain code.
 */
import { ZERO_USAGE, addUsage, totalTokens } from '../../common/usage.js';
import type {
  AgentStatus,
  AgentType,
  AgentWorkflowResult,
  IssueRef,
  IssueStatus,
  IssueText,
  IssueWorkflowInput,
  IssueWorkflowResult,
  Phase,
  Plan,
} from '../../common/schemas.js';
import type { RepoConfig } from '../../common/repo-config.js';
import type { RunStates } from './scheduler.js';

export interface RunStateHooks {
  /** Milliseconds since the epoch (the workflow's deterministic clock). */
  clock: () => number;
  /** Called after every phase change. */
  onPhase?: (status: IssueStatus) => void;
}

export interface RunStart {
  workflowId: string;
  ref: IssueRef;
  retry?: IssueWorkflowInput['retry'];
  /** The text the trigger pinned, if it carried one. */
  issueText?: IssueText;
}

/** An issue-wide pause: the issue's token budget is spent while agents wait to start. */
export interface IssuePause {
  reason: string;
  since: string;
  deadlineMs: number;
}

/** A day: how long a spent budget waits for a raise unless the config says otherwise. */
export const DEFAULT_PAUSE_MINUTES = 60 * 24;

export class RunState {
  readonly status: IssueStatus;
  /** Each planned agent's state, as the scheduler reads it. */
  readonly states: RunStates = {};
  /** Set whenever something the crew loop waits on changes. */
  changed = false;
  /** The first agent failure that says a credential was refused (401/403). */
  credentialRefused: string | undefined;
  /** Budgets in force: the config's, raised by the `raiseBudget` Update. */
  readonly budget = { issueTokens: 0, agentTokens: 0, pauseMinutes: DEFAULT_PAUSE_MINUTES };
  /** Agents paused on their own spent budget, with why. */
  readonly pausedAgents = new Map<AgentType, string>();
  /** Agents waiting out a model outage, with the reason. */
  readonly outageAgents = new Map<AgentType, string>();
  issuePause: IssuePause | undefined;
  /**
   * The issue text agents get: the trigger's (or a retry's), then a writer's
   * edit; never GitHub's current text, which an outsider may have edited.
   */
  issueText: IssueText | undefined;

  constructor(
    start: RunStart,
    private readonly hooks: RunStateHooks,
  ) {
    const { ref, retry } = start;
    this.issueText = start.issueText;
    const at = this.now();
    this.status = {
      workflowId: start.workflowId,
      repo: `${ref.owner}/${ref.repo}`,
      issue: ref.number,
      phase: 'loading',
      agents: [],
      messages: [],
      startedAt: at,
      updatedAt: at,
      tokens: ZERO_USAGE,
      timeline: [{ phase: 'loading', at }],
      ...(retry ? { retry: { number: retry.number, previousRunId: retry.previousRunId } } : {}),
    };
  }

  /** The issue as GitHub served it, with the pinned text in place of GitHub's current one. */
  pinIssue<T extends IssueText>(loaded: T): T {
    this.issueText ??= { title: loaded.title, body: loaded.body };
    return { ...loaded, ...this.issueText };
  }

  /** The clock as an ISO timestamp. */
  now(): string {
    return new Date(this.hooks.clock()).toISOString();
  }

  touch(): void {
    this.status.updatedAt = this.now();
  }

  setPhase(phase: Phase): void {
    this.status.phase = phase;
    this.touch();
    this.status.timeline?.push({ phase, at: this.now() });
    this.hooks.onPhase?.(this.status);
  }

  agent(a: AgentType): AgentStatus {
    const found = this.status.agents.find((s) => s.agent === a);
    if (!found) throw new Error(`unknown agent ${a}`);
    return found;
  }

  /** Whether `a` is in the plan and may still take messages. */
  isOpen(a: AgentType): boolean {
    return this.states[a] === 'pending' || this.states[a] === 'running';
  }

  /** The agents that are pending or running, in plan order. */
  openAgents(): AgentType[] {
    return (Object.keys(this.states) as AgentType[]).filter((a) => this.isOpen(a));
  }

  applyLimits(limits: RepoConfig['limits']): void {
    this.budget.issueTokens = limits.issue_token_budget;
    this.budget.agentTokens = limits.agent_token_budget;
    this.budget.pauseMinutes = limits.budget_pause_minutes;
    this.status.budget = {
      issueTokens: this.budget.issueTokens,
      agentTokens: this.budget.agentTokens,
    };
  }

  /** Every agent of the plan as pending, except the finished work a retry keeps. */
  addPlan(plan: Plan, retry: IssueWorkflowInput['retry']): void {
    this.status.plan = plan;
    for (const node of plan.nodes) {
      // A retry keeps the finished work of the run before it (commits on the same branch).
      const kept = retry?.keep.find((k) => k.agent === node.agent && k.state === 'done');
      if (kept) {
        this.states[node.agent] = 'done';
        this.status.agents.push({
          ...kept,
          carriedFrom: retry?.previousRunId,
          paused: undefined,
          spawnMs: undefined,
        });
        continue;
      }
      this.states[node.agent] = 'pending';
      this.status.agents.push({
        agent: node.agent,
        state: 'pending',
        attempts: retry?.attempts[node.agent] ?? 0,
        turns: 0,
        tokens: ZERO_USAGE,
        files: [],
      });
    }
  }

  /** `agent` starts: returns the clock at its start. */
  agentStarted(agent: AgentType): number {
    this.states[agent] = 'running';
    const s = this.agent(agent);
    s.state = 'running';
    s.attempts += 1;
    s.startedAt = this.now();
    return this.hooks.clock();
  }

  agentDone(agent: AgentType, result: AgentWorkflowResult): void {
    const s = this.agent(agent);
    s.state = 'done';
    s.turns = result.turns;
    s.tokens = result.tokens;
    s.files = result.files;
    s.commitSha = result.commitSha;
    s.summary = result.summary;
    this.states[agent] = 'done';
  }

  /** `agent` failed; a refused credential (`auth`) stops the run's later agents. */
  agentFailed(agent: AgentType, message: string, auth: boolean): void {
    const s = this.agent(agent);
    s.state = 'failed';
    s.error = message;
    this.states[agent] = 'failed';
    if (auth) this.credentialRefused ??= message;
  }

  /** After `agent` ended either way: its duration, its pause lifted, the run's tokens. */
  agentEnded(agent: AgentType, startedMs: number): void {
    const s = this.agent(agent);
    s.endedAt = this.now();
    s.durationMs = this.hooks.clock() - startedMs;
    delete s.paused;
    if (this.pausedAgents.delete(agent)) this.refreshPause();
    this.status.tokens = this.runTokens();
    this.touch();
    this.changed = true;
  }

  /** Mark `agents` skipped with `why`. */
  skip(agents: Iterable<AgentType>, why: string): void {
    for (const a of agents) {
      this.states[a] = 'skipped';
      Object.assign(this.agent(a), { state: 'skipped', error: why });
    }
  }

  /** The plan's agents still waiting to start. */
  pending(plan: Plan): AgentType[] {
    return plan.nodes.filter((n) => this.states[n.agent] === 'pending').map((n) => n.agent);
  }

  /** Tokens this run spent on agents whose rows were kept from an earlier run (fix rounds of a retry). */
  keptRowsTokens = ZERO_USAGE;

  /** Tokens this run spent (work kept from an earlier run was paid for there). */
  runTokens() {
    return this.status.agents
      .filter((a) => !a.carriedFrom)
      .reduce((u, a) => addUsage(u, a.tokens), this.keptRowsTokens);
  }

  hasCommits(): boolean {
    return this.status.agents.some((a) => a.commitSha !== undefined);
  }

  /** The commits the agents made, for verification. */
  commits(): { agent: AgentType; sha: string }[] {
    return this.status.agents.flatMap((a) =>
      a.commitSha ? [{ agent: a.agent, sha: a.commitSha }] : [],
    );
  }

  issueBudgetSpent(): boolean {
    return totalTokens(this.status.tokens) > this.budget.issueTokens;
  }

  /** Pause the run on its spent issue budget (once); true when the pause is new. */
  enterIssuePause(): boolean {
    if (this.issuePause) return false;
    this.issuePause = {
      reason: `the issue token budget is spent (${totalTokens(this.status.tokens)} of ${this.budget.issueTokens})`,
      since: this.now(),
      deadlineMs: this.hooks.clock() + this.budget.pauseMinutes * 60_000,
    };
    this.refreshPause();
    return true;
  }

  /** An agent paused on its own budget, or resumed. */
  agentBudget(e: {
    agent: AgentType;
    state: 'paused' | 'resumed';
    used: number;
    budget: number;
  }): void {
    const s = this.status.agents.find((a) => a.agent === e.agent);
    if (e.state === 'paused') {
      const why = `${e.agent} agent spent its token budget (${e.used} of ${e.budget})`;
      this.pausedAgents.set(e.agent, why);
      if (s) s.paused = why;
    } else {
      this.pausedAgents.delete(e.agent);
      if (s) delete s.paused;
    }
    this.refreshPause();
  }

  /** An agent paused because the model has been unavailable for its retry window, or resumed. */
  agentOutage(e: { agent: AgentType; state: 'paused' | 'resumed'; reason: string }): void {
    const s = this.status.agents.find((a) => a.agent === e.agent);
    if (e.state === 'paused') {
      const why = `${e.agent} agent waits for the model (unavailable: ${e.reason.slice(0, 200)})`;
      this.outageAgents.set(e.agent, why);
      if (s) s.paused = why;
    } else {
      this.outageAgents.delete(e.agent);
      if (s && !this.pausedAgents.has(e.agent)) delete s.paused;
    }
    this.refreshPause();
  }

  /** Raise both budgets by `add`; returns the agents that were paused (to be told). */
  raiseBudget(add: number): { issueTokens: number; agentTokens: number; resumed: AgentType[] } {
    this.budget.issueTokens += add;
    this.budget.agentTokens += add;
    this.status.budget = {
      issueTokens: this.budget.issueTokens,
      agentTokens: this.budget.agentTokens,
    };
    return { ...this.status.budget, resumed: [...this.pausedAgents.keys()] };
  }

  /** After a raise reached the agents: lift the issue pause if the budget now covers the run. */
  afterRaise(): void {
    if (this.issuePause && !this.issueBudgetSpent()) this.issuePause = undefined;
    this.refreshPause();
  }

  /** The run is paused while its own budget or an agent's is spent: status and phase say so. */
  refreshPause(): void {
    const reasons = [
      ...(this.issuePause ? [this.issuePause.reason] : []),
      ...this.pausedAgents.values(),
      ...this.outageAgents.values(),
    ];
    if (reasons.length > 0) {
      const since = this.issuePause?.since ?? this.status.paused?.since ?? this.now();
      const until = new Date(
        this.issuePause?.deadlineMs ?? this.hooks.clock() + this.budget.pauseMinutes * 60_000,
      ).toISOString();
      this.status.paused = { reason: reasons.join('; '), since, until };
      if (this.status.phase === 'running') this.setPhase('paused');
    } else {
      delete this.status.paused;
      if (this.status.phase === 'paused') this.setPhase('running');
    }
    this.touch();
    this.changed = true;
  }

  /** Cancelled: every agent that had not finished is marked so. */
  cancelOpenAgents(): void {
    this.status.error = 'the run was cancelled';
    for (const a of this.status.agents) {
      if (a.state === 'pending' || a.state === 'running') {
        a.state = 'skipped';
        a.error = 'cancelled before it finished';
      }
    }
  }

  /** The run's result in `phase` (after the phase is set). */
  result(phase: Phase): IssueWorkflowResult {
    return {
      phase,
      prUrl: this.status.prUrl,
      draft: this.status.draft,
      failedAgents: this.failedAgents(),
      error: this.status.error,
    };
  }

  failedAgents(): AgentType[] {
    return this.status.agents.filter((a) => a.state === 'failed').map((a) => a.agent);
  }
}
