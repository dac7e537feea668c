/**
 * One issue = one workflow (`issue:<owner>/<repo>#<n>`): load, analyze, plan,
 * (optionally) wait for approval, run the agents as child workflows in
 * dependency order, open one PR, and keep one progress comment current.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChildWorkflowHandle } from '@temporalio/workflow';
import type { AnalysisActivities } from '../activities/analysis/activity.js';
import type { GitHubActivities, LoadedConfig } from '../activities/github.js';
import { agentWorkflowId, issueBranch, progressMarker } from '../common/ids.js';
import { ALWAYS_PROTECTED, resolveAgents } from '../common/repo-config.js';
import type { ResolvedAgents } from '../common/repo-config.js';
import { ZERO_USAGE, addUsage, totalTokens } from '../common/schemas.js';
import type {
  AgentMessage,
  AgentStatus,
  AgentType,
  IssueData,
  IssueStatus,
  IssueWorkflowInput,
  IssueWorkflowResult,
  Phase,
  Plan,
} from '../common/schemas.js';
import { SA } from '../common/search-attributes.js';
import {
  agentBudgetRaisedSignal,
  agentBudgetSignal,
  agentInboxSignal,
  agentMessagesSignal,
  operatorMessageUpdate,
  raiseBudgetUpdate,
  issueCommentSignal,
  issueEditedSignal,
  planDecisionUpdate,
  statusQuery,
  triggerSignal,
} from '../common/workflow-api.js';
import type { BudgetRaise, OperatorMessage, PlanDecision } from '../common/workflow-api.js';
import { analysisOptions, GITHUB_ACTIVITY_OPTIONS } from './activity-options.js';
import { agentWorkflow } from './agent.js';
import { agentChild } from './agent-child.js';
import { agentsToSkip, agentsToStart, buildPlan, isFinished } from './pure/scheduler.js';
import type { RunStates } from './pure/scheduler.js';
import { renderProgress, renderPullRequest } from './pure/report.js';
import { renderDetails } from './pure/details.js';

const github = proxyActivities<GitHubActivities>(GITHUB_ACTIVITY_OPTIONS);
/** A maintainer's comment asking for a run of an issue set aside as a question. */
const RUN_COMMAND = /^\s*\/blogtube\s+run\b/m;

function errorMessage(err: unknown): string {
  let cur: unknown = err;
  // Child and activity failures wrap the real reason in `cause`.
  while (cur instanceof Error && cur.cause instanceof Error) cur = cur.cause;
  return cur instanceof Error ? cur.message : String(err);
}

function now(): string {
  return new Date().toISOString();
}

export async function issueWorkflow(input: IssueWorkflowInput): Promise<IssueWorkflowResult> {
  const { ref } = input;
  const workflowId = workflowInfo().workflowId;
  const status: IssueStatus = {
    workflowId,
    repo: `${ref.owner}/${ref.repo}`,
    issue: ref.number,
    phase: 'loading',
    agents: [],
    messages: [],
    startedAt: now(),
    updatedAt: now(),
    tokens: ZERO_USAGE,
    timeline: [{ phase: 'loading', at: now() }],
    ...(input.retry
      ? { retry: { number: input.retry.number, previousRunId: input.retry.previousRunId } }
      : {}),
  };
  const deliveries = new Set<string>([input.trigger.deliveryId]);
  const states: RunStates = {};
  const handles = new Map<AgentType, ChildWorkflowHandle<typeof agentWorkflow>>();
  const heldInbox = new Map<AgentType, AgentMessage[]>();
  let decision: PlanDecision | undefined;
  let goAhead = false;
  let changed = false;
  /** The first agent failure that says a credential was refused (401/403). */
  let credentialRefused: string | undefined;
  /** Budgets in force: the config's, raised by the `raiseBudget` Update. */
  const budget = { issueTokens: 0, agentTokens: 0, pauseMinutes: 60 * 24 };
  /** Agents paused on their own spent budget, and the issue-wide pause (deadline in ms). */
  const pausedAgents = new Map<AgentType, string>();
  let issuePause: { reason: string; since: string; deadlineMs: number } | undefined;

  const agentStatus = (a: AgentType): AgentStatus => {
    const found = status.agents.find((s) => s.agent === a);
    if (!found) throw new Error(`unknown agent ${a}`);
    return found;
  };
  const setPhase = (phase: Phase) => {
    status.phase = phase;
    status.updatedAt = now();
    status.timeline?.push({ phase, at: now() });
    upsertSearchAttributes([{ key: SA.phase, value: phase }]);
    setCurrentDetails(renderDetails(status));
  };
  /** The progress comment's id once known: later updates go straight to it. */
  let progressCommentId: number | undefined;
  const updateProgress = async () => {
    setCurrentDetails(renderDetails(status));
    progressCommentId = await github.upsertComment.executeWithOptions(
      { ...GITHUB_ACTIVITY_OPTIONS, summary: `progress comment: ${status.phase}` },
      [ref, progressMarker(ref), renderProgress(status), progressCommentId],
    );
    return progressCommentId;
  };
  /** The run is paused while its own budget or an agent's is spent: status, phase and UI say so. */
  const refreshPause = () => {
    const reasons = [...(issuePause ? [issuePause.reason] : []), ...[...pausedAgents.values()]];
    if (reasons.length > 0) {
      const since = issuePause?.since ?? status.paused?.since ?? now();
      const until = new Date(
        issuePause?.deadlineMs ?? Date.now() + budget.pauseMinutes * 60_000,
      ).toISOString();
      status.paused = { reason: reasons.join('; '), since, until };
      if (status.phase === 'running') setPhase('paused');
    } else {
      delete status.paused;
      if (status.phase === 'paused') setPhase('running');
    }
    status.updatedAt = now();
    changed = true;
  };

  const deliver = async (to: AgentType, msgs: AgentMessage[]) => {
    const handle = handles.get(to);
    if (handle && states[to] === 'running') {
      await handle.signal(agentInboxSignal, msgs);
    } else if (states[to] === 'pending' || states[to] === 'running') {
      heldInbox.set(to, [...(heldInbox.get(to) ?? []), ...msgs]);
    }
  };

  setHandler(statusQuery, () => status);
  setHandler(triggerSignal, (t) => {
    deliveries.add(t.deliveryId);
    // A maintainer's trigger label on an issue set aside as a question: run it anyway.
    if (t.event === 'issues.labeled' && status.phase === 'question') goAhead = true;
  });
  setHandler(issueEditedSignal, (edit) => {
    status.title = edit.title;
    status.updatedAt = now();
  });
  setHandler(issueCommentSignal, async (comment) => {
    // Only maintainers' comments count, and reach agents only as data.
    if (!comment.trusted) return;
    if (status.phase === 'question' && RUN_COMMAND.test(comment.body)) {
      goAhead = true;
      return;
    }
    if (status.phase !== 'running') return;
    const text = comment.body.slice(0, 2000);
    for (const a of Object.keys(states) as AgentType[]) {
      if (states[a] === 'running' || states[a] === 'pending') {
        await deliver(a, [{ from: 'maintainer', to: a, text }]);
      }
    }
  });
  setHandler(agentMessagesSignal, async (msgs) => {
    status.messages.push(...msgs);
    status.updatedAt = now();
    const byAddressee = new Map<AgentType, AgentMessage[]>();
    for (const m of msgs) byAddressee.set(m.to, [...(byAddressee.get(m.to) ?? []), m]);
    for (const [to, batch] of byAddressee) await deliver(to, batch);
  });
  setHandler(agentBudgetSignal, (e) => {
    const s = status.agents.find((a) => a.agent === e.agent);
    if (e.state === 'paused') {
      const why = `${e.agent} agent spent its token budget (${e.used} of ${e.budget})`;
      pausedAgents.set(e.agent, why);
      if (s) s.paused = why;
    } else {
      pausedAgents.delete(e.agent);
      if (s) delete s.paused;
    }
    refreshPause();
  });
  setHandler(
    operatorMessageUpdate,
    async (m) => {
      const msg: AgentMessage = { from: 'maintainer', to: m.to, text: m.text };
      status.messages.push(msg);
      status.updatedAt = now();
      const direct = handles.has(m.to) && states[m.to] === 'running';
      await deliver(m.to, [msg]);
      return { delivered: direct ? 'now' : 'held', to: m.to };
    },
    {
      validator: (m: OperatorMessage) => {
        if (!m.text.trim() || m.text.length > 4000) {
          throw new Error('the message must have 1 to 4000 characters');
        }
        const state = states[m.to];
        if (state !== 'pending' && state !== 'running') {
          throw new Error(
            `the ${m.to} agent cannot take messages (${state ? `it is ${state}` : 'it is not in the plan'}; phase: ${status.phase})`,
          );
        }
      },
    },
  );
  setHandler(
    raiseBudgetUpdate,
    async (r) => {
      budget.issueTokens += r.addTokens;
      budget.agentTokens += r.addTokens;
      status.budget = { issueTokens: budget.issueTokens, agentTokens: budget.agentTokens };
      const resumed = [...pausedAgents.keys()];
      for (const a of resumed) await handles.get(a)?.signal(agentBudgetRaisedSignal, r.addTokens);
      if (issuePause && totalTokens(status.tokens) <= budget.issueTokens) issuePause = undefined;
      refreshPause();
      return { ...status.budget, resumed, phase: status.phase };
    },
    {
      validator: (r: BudgetRaise) => {
        if (!Number.isInteger(r.addTokens) || r.addTokens <= 0 || r.addTokens > 10_000_000) {
          throw new Error('addTokens must be a whole number from 1 to 10000000');
        }
        if (status.phase !== 'running' && status.phase !== 'paused') {
          throw new Error(`no agents are running (phase: ${status.phase})`);
        }
      },
    },
  );
  setHandler(
    planDecisionUpdate,
    (d) => {
      decision = d;
      return { accepted: d.approve, phase: d.approve ? 'running' : 'rejected' };
    },
    {
      validator: (_d: PlanDecision) => {
        if (status.phase !== 'awaiting_approval' || decision !== undefined) {
          throw new Error(`no plan is awaiting approval (phase: ${status.phase})`);
        }
      },
    },
  );

  upsertSearchAttributes([
    { key: SA.repo, value: status.repo },
    { key: SA.issue, value: ref.number },
    { key: SA.phase, value: status.phase },
  ]);

  /** Tokens this run spent (work kept from an earlier run was paid for there). */
  const runTokens = () =>
    status.agents.filter((a) => !a.carriedFrom).reduce((u, a) => addUsage(u, a.tokens), ZERO_USAGE);

  const finish = async (phase: Phase, error?: string): Promise<IssueWorkflowResult> => {
    if (error) status.error = error;
    setPhase(phase);
    const failedAgents = status.agents.filter((a) => a.state === 'failed').map((a) => a.agent);
    upsertSearchAttributes([{ key: SA.agentsFailed, value: failedAgents.length }]);
    await updateProgress();
    return { phase, prUrl: status.prUrl, draft: status.draft, failedAgents, error: status.error };
  };

  /** Open (or update) the PR for whatever the agents committed. */
  const openPr = async (issue: IssueData) => {
    if (!status.agents.some((a) => a.commitSha)) return false;
    const pr = renderPullRequest(status);
    const info = await github.openPullRequest.executeWithOptions(
      { ...GITHUB_ACTIVITY_OPTIONS, summary: `pull request${pr.draft ? ' (draft)' : ''}` },
      [{ ref, branch: issueBranch(ref), base: issue.defaultBranch, ...pr }],
    );
    status.prUrl = info.url;
    status.prNumber = info.number;
    status.draft = info.draft;
    upsertSearchAttributes([{ key: SA.prUrl, value: info.url }]);
    return true;
  };

  let issue: IssueData;
  let loaded: LoadedConfig;
  try {
    issue = await github.loadIssue(ref);
    status.title = issue.title;
    loaded = await github.loadRepoConfig(ref, issue.defaultBranch);
  } catch (err) {
    if (err instanceof Error && errorType(err) === 'InvalidConfig') {
      return finish('failed', `Invalid configuration — ${errorMessage(err)}`);
    }
    throw err;
  }
  const { config } = loaded;
  const agents: ResolvedAgents = resolveAgents(config);
  status.model = config.model;
  budget.issueTokens = config.limits.issue_token_budget;
  budget.agentTokens = config.limits.agent_token_budget;
  budget.pauseMinutes = config.limits.budget_pause_minutes;
  status.budget = { issueTokens: budget.issueTokens, agentTokens: budget.agentTokens };

  // From here on, a cancellation still leaves a clear state: see the catch below.
  try {
    setPhase('analyzing');
    const { analyze } = proxyLocalActivities<AnalysisActivities>(
      analysisOptions(loaded.defaults?.analysisAttempts),
    );
    const analysis = await analyze(
      { title: issue.title, body: issue.body, labels: issue.labels },
      config,
    );
    status.analysis = analysis;
    upsertSearchAttributes([{ key: SA.risk, value: analysis.risk }]);

    const q = config.questions;
    if (
      analysis.type === 'question' &&
      q.policy === 'comment' &&
      analysis.confidence >= q.min_confidence
    ) {
      setPhase('question');
      await updateProgress();
      const asked = q.wait_hours > 0 && (await condition(() => goAhead, `${q.wait_hours} hours`));
      if (!asked) return finish('answered');
      analysis.reasons.push('run anyway: a maintainer asked for it');
    }

    setPhase('planning');
    const plan: Plan = buildPlan(
      analysis.agents,
      agents,
      analysis.type,
      config.limits.max_parallel_agents,
    );
    status.plan = plan;
    for (const node of plan.nodes) {
      // A retry keeps the finished work of the run before it (commits on the same branch).
      const kept = input.retry?.keep.find((k) => k.agent === node.agent && k.state === 'done');
      if (kept) {
        states[node.agent] = 'done';
        status.agents.push({
          ...kept,
          carriedFrom: input.retry?.previousRunId,
          paused: undefined,
          spawnMs: undefined,
        });
        continue;
      }
      states[node.agent] = 'pending';
      status.agents.push({
        agent: node.agent,
        state: 'pending',
        attempts: input.retry?.attempts[node.agent] ?? 0,
        turns: 0,
        tokens: ZERO_USAGE,
        files: [],
      });
    }
    if (plan.nodes.length === 0) return finish('failed', 'no enabled agent fits this issue');

    if (config.approval === 'plan' && !input.retry?.planApproved) {
      setPhase('awaiting_approval');
      await updateProgress();
      const decided = await condition(
        () => decision !== undefined,
        `${config.approval_timeout_minutes} minutes`,
      );
      if (!decided) return finish('rejected', 'the plan was not approved in time');
      if (!decision?.approve) {
        return finish(
          'rejected',
          `plan rejected by ${decision?.by}: ${decision?.reason ?? 'no reason given'}`,
        );
      }
    }

    const branch = issueBranch(ref);
    await github.ensureBranch(ref, branch, loaded.baseSha);
    status.branch = branch;

    const startAgent = (agent: AgentType) => {
      states[agent] = 'running';
      const s = agentStatus(agent);
      s.state = 'running';
      s.attempts += 1;
      s.startedAt = now();
      const startedMs = Date.now();
      const inbox = heldInbox.get(agent) ?? [];
      heldInbox.delete(agent);
      const teammates = plan.nodes.map((n) => n.agent).filter((a) => a !== agent);
      const dependencySummaries = status.agents
        .filter(
          (a) =>
            a.state === 'done' &&
            plan.nodes.find((n) => n.agent === agent)?.dependsOn.includes(a.agent),
        )
        .map((a) => ({ agent: a.agent, summary: a.summary ?? '' }));
      const run = async () => {
        const child = agentChild(input, config);
        const handle = await startChild<typeof agentWorkflow>(child.type, {
          ...child.options,
          workflowId: agentWorkflowId(ref, agent),
          args: [
            {
              issueWorkflowId: workflowId,
              ref,
              agent,
              branch,
              model: config.model,
              modelTaskQueue: input.modelTaskQueue,
              maxTurns: config.limits.max_turns,
              tokenBudget: budget.agentTokens,
              maxFiles: config.limits.max_files_per_agent,
              maxFileBytes: config.limits.max_file_bytes,
              protectedPaths: [...ALWAYS_PROTECTED, ...config.protected_paths],
              budgetPauseMinutes: budget.pauseMinutes,
              ...(input.retry ? { retry: input.retry.number } : {}),
              ...(loaded.defaults && { modelCallTimeoutMs: loaded.defaults.modelCallTimeoutMs }),
              context: {
                agent,
                repo: status.repo,
                issue: { number: issue.number, title: issue.title, body: issue.body },
                analysis,
                writablePaths: agents[agent].paths,
                teammates,
                dependencySummaries,
                docsRef: loaded.baseSha,
              },
              inbox,
              ...child.extra,
            },
          ],
          staticSummary: `${agent} agent for ${status.repo}#${ref.number}`,
          staticDetails: [
            `**${agent} agent** for ${status.repo}#${ref.number}: ${issue.title}`,
            '',
            `writes: ${agents[agent].paths.join(', ')}`,
            `after: ${plan.nodes.find((n) => n.agent === agent)?.dependsOn.join(', ') || 'nothing'}`,
            `limits: ${config.limits.max_turns} turns, ${budget.agentTokens} tokens, model ${config.model}`,
          ].join('\n'),
        });
        s.spawnMs = Date.now() - startedMs;
        handles.set(agent, handle);
        const late = heldInbox.get(agent);
        if (late && late.length > 0) {
          heldInbox.delete(agent);
          await handle.signal(agentInboxSignal, late);
        }
        return handle.result();
      };
      run()
        .then((result) => {
          s.state = 'done';
          s.turns = result.turns;
          s.tokens = result.tokens;
          s.files = result.files;
          s.commitSha = result.commitSha;
          s.summary = result.summary;
          states[agent] = 'done';
        })
        .catch((err: unknown) => {
          s.state = 'failed';
          s.error = errorMessage(err);
          states[agent] = 'failed';
          // A refused credential fails every agent alike: stop the run, name it.
          if (isAuthFailure(err)) credentialRefused ??= s.error;
        })
        .finally(() => {
          s.endedAt = now();
          s.durationMs = Date.now() - startedMs;
          delete s.paused;
          if (pausedAgents.delete(agent)) refreshPause();
          status.tokens = runTokens();
          status.updatedAt = now();
          changed = true;
        });
    };

    setPhase('running');
    await updateProgress();
    for (;;) {
      for (const a of agentsToSkip(plan, states)) {
        states[a] = 'skipped';
        const s = agentStatus(a);
        s.state = 'skipped';
        s.error = 'skipped: a dependency did not finish';
      }
      if (credentialRefused) {
        for (const node of plan.nodes.filter((n) => states[n.agent] === 'pending')) {
          states[node.agent] = 'skipped';
          Object.assign(agentStatus(node.agent), {
            state: 'skipped',
            error: 'skipped: a credential was refused',
          });
        }
      }
      if (isFinished(plan, states)) break;
      const pending = plan.nodes.filter((n) => states[n.agent] === 'pending');
      if (pending.length > 0 && totalTokens(status.tokens) > budget.issueTokens) {
        // Spent: pause instead of failing, until raised, cancelled or timed out.
        if (!issuePause) {
          issuePause = {
            reason: `the issue token budget is spent (${totalTokens(status.tokens)} of ${budget.issueTokens})`,
            since: now(),
            deadlineMs: Date.now() + budget.pauseMinutes * 60_000,
          };
          refreshPause();
          await updateProgress();
        }
        const left = issuePause.deadlineMs - Date.now();
        changed = false;
        if (left > 0 && (await condition(() => changed, left))) continue;
        if (!issuePause) continue;
        issuePause = undefined;
        for (const node of pending) {
          states[node.agent] = 'skipped';
          Object.assign(agentStatus(node.agent), {
            state: 'skipped',
            error: 'skipped: the issue token budget was spent and not raised in time',
          });
        }
        refreshPause();
        continue;
      }
      for (const a of agentsToStart(plan, states)) startAgent(a);
      changed = false;
      await updateProgress();
      if (!changed) await condition(() => changed);
    }

    if (credentialRefused && !status.agents.some((a) => a.commitSha)) {
      return finish('failed', credentialRefused);
    }
    setPhase('opening_pr');
    const opened = await openPr(issue);
    const failed = status.agents.filter((a) => a.state !== 'done');
    if (!opened) return finish('failed', 'no agent produced a change');
    try {
      await github.verifyRun.executeWithOptions(
        { ...GITHUB_ACTIVITY_OPTIONS, summary: 'verify branch and pull request on GitHub' },
        [
          {
            ref,
            branch,
            commits: status.agents.flatMap((a) =>
              a.commitSha ? [{ agent: a.agent, sha: a.commitSha }] : [],
            ),
            prNumber: status.prNumber,
          },
        ],
      );
    } catch (err) {
      if (err instanceof Error && errorType(err) === 'VerificationFailed') {
        return finish('failed', errorMessage(err));
      }
      throw err;
    }
    return finish(
      'done',
      failed.length > 0 ? `${failed.length} agent(s) did not finish` : undefined,
    );
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Stopping saves work: push what finished agents wrote as a draft PR.
    await CancellationScope.nonCancellable(async () => {
      status.error = 'the run was cancelled';
      for (const a of status.agents) {
        if (a.state === 'pending' || a.state === 'running') {
          a.state = 'skipped';
          a.error = 'cancelled before it finished';
        }
      }
      await openPr(issue);
      setPhase('cancelled');
      await updateProgress();
    });
    throw err;
  }
}

function isAuthFailure(err: unknown): boolean {
  return err instanceof Error && (errorType(err)?.endsWith('.auth') ?? false);
}

function errorType(err: Error): string | undefined {
  let cur: unknown = err;
  while (cur instanceof Error) {
    if (cur instanceof ApplicationFailure && cur.type) return cur.type;
    cur = cur.cause;
  }
  return undefined;
}
