/**
 * The checks phase of an issue run, after the crew has committed and before
 * the PR: every configured check runs in a fresh workspace at the branch head
 * (workflows/check-run.ts); each writes its commit status (`pending`, then
 * `success` or `failure`, once per (sha, check)). A failure is classified
 * against the same check on the base commit (remembered per (repository,
 * base sha, check): common/base-check.ts); what the crew broke goes back to
 * the agents it is routed to (workflows/pure/checks.ts), who run again as
 * agents of this run with the failure in their first message and commit a
 * fix; then the checks run again, up to `max_fix_rounds`, within the issue's
 * token budget. The run's status carries it all (`status.checks`).
 */
import { executeChild, isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { BaseCheckActivities } from '../activities/base-check.js';
import type { GitHubActivities, VerifyInput } from '../activities/github.js';
import type { CheckResult, CheckRun, ChecksReport } from '../common/checks.js';
import { rootMessage } from '../common/failures.js';
import type { CheckConfig } from '../common/repo-config.js';
import type { AgentType, IssueRef } from '../common/schemas.js';
import { addUsage, totalTokens } from '../common/usage.js';
import type { agentWorkflow } from './agent.js';
import { GITHUB_ACTIVITY_OPTIONS } from './activity-options.js';
import { childKind } from './agent-child.js';
import { checkWorkspaceId, runCheck } from './check-run.js';
import { agentChild, type CrewSpec } from './pure/agent-input.js';
import {
  classifyChecks,
  decideChecks,
  expectedStatuses,
  fixDone,
  fixFailed,
  fixRoundMessage,
  fixStarted,
  fixTokenBudget,
  routingOf,
  statusFor,
  type FixAssignment,
} from './pure/checks.js';
import type { RunState } from './pure/run-state.js';

const github = proxyActivities<GitHubActivities>(GITHUB_ACTIVITY_OPTIONS);
const { baseCheckResult } = proxyActivities<BaseCheckActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

export interface ChecksPhase {
  spec: CrewSpec;
  run: RunState;
  /** The default branch (the base commit's). */
  baseBranch: string;
  updateProgress: () => Promise<unknown>;
}

/**
 * Runs the checks and their fix rounds; `run.status.checks` says how they
 * ended. Nothing to check without commits; runs recorded before this phase
 * existed replay without it.
 */
export async function runChecksPhase(phase: ChecksPhase): Promise<void> {
  const { spec, run } = phase;
  if (!run.hasCommits() || !patched('checks')) return;
  const { config } = spec;
  const report: ChecksReport = {
    configured: config.checks.length,
    results: [],
    roundsUsed: 0,
    maxFixRounds: config.max_fix_rounds,
    rounds: [],
  };
  run.status.checks = report;
  if (config.checks.length === 0) {
    report.stop = 'no_checks';
    return;
  }
  if (spec.settings.workspaceTaskQueue === undefined) {
    report.stop = 'no_workspace';
    return;
  }
  run.setPhase('checking');
  /** Each failing check's result on the base commit, once asked. */
  const base: Record<string, CheckRun> = {};
  for (;;) {
    const head = await github.ensureBranch(spec.ref, spec.branch, spec.baseSha);
    report.results = [];
    report.running = config.checks.map((c) => c.name);
    await phase.updateProgress();
    const results = await Promise.all(
      config.checks.map((check) => checkAtHead(phase, check, head, base)),
    );
    report.results = results;
    report.running = [];
    const decision = decideChecks({
      results,
      roundsUsed: report.roundsUsed,
      maxFixRounds: config.max_fix_rounds,
      tokensUsed: totalTokens(run.status.tokens),
      tokenBudget: run.budget.issueTokens,
      routing: routingOf(spec.agents, spec.plan.nodes, run.status.agents),
    });
    if (decision.kind === 'stop') {
      report.stop = decision.reason;
      await phase.updateProgress();
      return;
    }
    report.roundsUsed = decision.round;
    report.rounds?.push({
      round: decision.round,
      agents: decision.assignments.map((a) => a.agent),
    });
    await phase.updateProgress();
    await Promise.all(decision.assignments.map((a) => fixAgent(phase, a, decision.round, results)));
  }
}

/**
 * What verifyRun checks on GitHub: the agents' commits on the branch, the PR,
 * and, when checks ran, each check's final status on the head.
 */
export function verifyInput(run: RunState, ref: IssueRef, branch: string): VerifyInput {
  const results = run.status.checks?.results ?? [];
  return {
    ref,
    branch,
    commits: run.commits(),
    prNumber: run.status.prNumber,
    ...(results.length > 0 ? { statuses: expectedStatuses(results) } : {}),
  };
}

/** One check at the head: pending status, the run, its base result if it failed, final status. */
async function checkAtHead(
  phase: ChecksPhase,
  check: CheckConfig,
  head: string,
  base: Record<string, CheckRun>,
): Promise<CheckResult> {
  const { spec } = phase;
  const queue = spec.settings.workspaceTaskQueue as string;
  const workspace = spec.config.workspace;
  await writeStatus(phase, head, statusFor({ name: check.name, running: true }));
  const ran = await runCheck({
    id: checkWorkspaceId(spec.issueWorkflowId, head, check.name),
    ref: spec.ref,
    branch: spec.branch,
    sha: head,
    check,
    workspace,
    workspaceTaskQueue: queue,
  });
  if ((ran.timedOut || ran.exitCode !== 0) && !base[check.name]) {
    base[check.name] = await baseCheckResult.executeWithOptions(
      {
        startToCloseTimeout: '2 hours',
        heartbeatTimeout: '30 seconds',
        summary: `${check.name} on the base commit`,
      },
      [
        {
          ref: { owner: spec.ref.owner, repo: spec.ref.repo },
          branch: phase.baseBranch,
          sha: spec.baseSha,
          check,
          workspace,
          workspaceTaskQueue: queue,
        },
      ],
    );
  }
  const [result] = classifyChecks([ran], base) as [CheckResult];
  await writeStatus(phase, head, statusFor(result));
  return result;
}

async function writeStatus(
  phase: ChecksPhase,
  sha: string,
  s: ReturnType<typeof statusFor>,
): Promise<void> {
  const { spec } = phase;
  const ui = spec.settings.webUiWorkflows;
  await github.setCommitStatus.executeWithOptions(
    { ...GITHUB_ACTIVITY_OPTIONS, summary: `status ${s.context}: ${s.state}` },
    [
      {
        owner: spec.ref.owner,
        repo: spec.ref.repo,
        sha,
        ...s,
        ...(ui ? { targetUrl: `${ui}${encodeURIComponent(spec.issueWorkflowId)}` } : {}),
      },
    ],
  );
}

/** One agent of a fix round: it runs again with its failures, commits, and its row adds up. */
async function fixAgent(
  phase: ChecksPhase,
  assignment: FixAssignment,
  round: number,
  results: readonly CheckResult[],
): Promise<void> {
  const { spec, run } = phase;
  const agent: AgentType = assignment.agent;
  const failures = results.filter((r) => assignment.checks.includes(r.name));
  const budgets = {
    agentTokens: fixTokenBudget(
      run.budget.agentTokens,
      run.budget.issueTokens,
      totalTokens(run.status.tokens),
    ),
    pauseMinutes: run.budget.pauseMinutes,
  };
  const child = agentChild(spec, agent, run.status.agents, budgets, [], run.issueText);
  child.input.context.fixRound = { round, message: fixRoundMessage(round, failures) };
  const kind = childKind(spec.settings, spec.config);
  const row = run.agent(agent);
  fixStarted(row, round, run.now());
  const startedMs = Date.now();
  try {
    const result = await executeChild<typeof agentWorkflow>(kind.type, {
      workflowId: `${child.workflowId}/fix:${round}`,
      args: [{ ...child.input, ...kind.extra }],
      staticSummary: `${child.staticSummary}: fix round ${round}`,
      staticDetails: `${child.staticDetails}\n\nfix round ${round}: ${assignment.checks.join(', ')}`,
      ...kind.options,
    });
    fixDone(row, result, Date.now() - startedMs);
    // A retry's kept row counts as the earlier run's; what this round spent is this run's.
    if (row.carriedFrom) run.keptRowsTokens = addUsage(run.keptRowsTokens, result.tokens);
  } catch (err) {
    if (isCancellation(err)) throw err;
    fixFailed(row, rootMessage(err), Date.now() - startedMs);
  }
  row.endedAt = run.now();
  run.status.tokens = run.runTokens();
  run.touch();
}
