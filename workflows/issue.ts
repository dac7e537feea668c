/**
 * One issue = one workflow (`issue:<owner>/<repo>#<n>`). Its phases, top to
 * bottom: load the issue and the repository's config, analyze, (perhaps) set
 * it aside as a question, plan the crew, (perhaps) wait for approval, run the
 * crew's agents as child workflows, open one PR, verify it on GitHub. One
 * progress comment stays current throughout.
 */
import {
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AnalysisActivities } from '../activities/analysis/activity.js';
import type { GitHubActivities, LoadedConfig } from '../activities/github.js';
import type { RunSettingsActivities } from '../activities/run-settings.js';
import { Failure, isFailure, rootMessage } from '../common/failures.js';
import { resolveAgents } from '../common/repo-rules.js';
import { legacyRunSettings } from '../common/run-settings-fallback.js';
import type { RunSettings } from '../common/run-settings.js';
import type {
  IssueData,
  IssueWorkflowInput,
  IssueWorkflowResult,
  Phase,
} from '../common/schemas.js';
import { SA } from '../common/search-attributes.js';
import { analysisOptions, GITHUB_ACTIVITY_OPTIONS } from './activity-options.js';
import { runChecksPhase, verifyInput } from './checks.js';
import { Crew } from './crew.js';
import { installIssueHandlers } from './issue-handlers.js';
import type { CrewSpec } from './pure/agent-input.js';
import { renderDetails } from './pure/details.js';
import { RunState } from './pure/run-state.js';
import { RunReport } from './progress.js';
import { buildPlan } from './pure/scheduler.js';
import { branchOfRun } from './run-branch.js';
import { recordEnding } from './ending.js';

const github = proxyActivities<GitHubActivities>(GITHUB_ACTIVITY_OPTIONS);
const { loadRunSettings } = proxyLocalActivities<RunSettingsActivities>({
  startToCloseTimeout: '5 seconds',
});

export async function issueWorkflow(input: IssueWorkflowInput): Promise<IssueWorkflowResult> {
  const { ref } = input;
  const workflowId = workflowInfo().workflowId;
  const run = new RunState(
    { workflowId, ref, retry: input.retry, issueText: input.issue },
    {
      clock: () => Date.now(),
      onPhase: (status) => {
        upsertSearchAttributes([{ key: SA.phase, value: status.phase }]);
        setCurrentDetails(renderDetails(status));
      },
    },
  );
  const { status } = run;
  const crew = new Crew(run);
  const steering = installIssueHandlers(run, crew, input.trigger.deliveryId);
  upsertSearchAttributes([
    { key: SA.repo, value: status.repo },
    { key: SA.issue, value: ref.number },
    { key: SA.phase, value: status.phase },
  ]);

  const report = new RunReport(run, ref);
  const updateProgress = () => report.updateProgress();
  const finish = (phase: Phase, error?: string) => report.finish(phase, error);

  // Load.
  let issue: IssueData;
  let loaded: LoadedConfig;
  try {
    issue = run.pinIssue(await github.loadIssue(ref));
    status.title = issue.title;
    loaded = await github.loadRepoConfig(ref, issue.defaultBranch);
  } catch (err) {
    if (isFailure(err, Failure.InvalidConfig)) {
      return finish('failed', `Invalid configuration — ${rootMessage(err)}`);
    }
    throw err;
  }
  const { config } = loaded;
  const settings = await runSettings(input, loaded);
  const agents = resolveAgents(config);
  status.model = config.model;
  run.applyLimits(config.limits);

  // From here on, a cancellation still leaves a clear state: see the catch below.
  try {
    run.setPhase('analyzing');
    const { analyze } = proxyLocalActivities<AnalysisActivities>(
      analysisOptions(settings.analysisAttempts),
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
      run.setPhase('question');
      await updateProgress();
      const asked =
        q.wait_hours > 0 && (await condition(() => steering.goAhead, `${q.wait_hours} hours`));
      if (!asked) return finish('answered');
      analysis.reasons.push('run anyway: a maintainer asked for it');
    }

    run.setPhase('planning');
    const maxParallel = config.limits.max_parallel_agents ?? settings.maxParallelAgents;
    const plan = buildPlan(analysis.agents, agents, analysis.type, maxParallel);
    run.addPlan(plan, input.retry);
    if (plan.nodes.length === 0) return finish('failed', 'no enabled agent fits this issue');

    if (config.approval === 'plan' && !input.retry?.planApproved) {
      run.setPhase('awaiting_approval');
      await updateProgress();
      const decided = await condition(
        () => steering.decision !== undefined,
        `${config.approval_timeout_minutes} minutes`,
      );
      const decision = steering.decision;
      if (!decided) return finish('rejected', 'the plan was not approved in time');
      if (!decision?.approve) {
        return finish(
          'rejected',
          `plan rejected by ${decision?.by}: ${decision?.reason ?? 'no reason given'}`,
        );
      }
    }

    const branch = branchOfRun(input);
    await github.ensureBranch(ref, branch, loaded.baseSha);
    status.branch = branch;
    const spec: CrewSpec = {
      issueWorkflowId: workflowId,
      ref,
      branch,
      issue,
      analysis,
      config,
      agents,
      plan,
      baseSha: loaded.baseSha,
      settings,
      ...(input.retry ? { retry: input.retry.number } : {}),
    };
    run.setPhase('running');
    await updateProgress();
    await crew.runToEnd(spec, updateProgress);

    if (run.credentialRefused && !run.hasCommits()) {
      return finish('failed', run.credentialRefused);
    }
    await runChecksPhase({ spec, run, baseBranch: issue.defaultBranch, updateProgress });
    run.setPhase('opening_pr');
    const opened = await report.openPr(issue);
    const unfinished = status.agents.filter((a) => a.state !== 'done');
    if (!opened) return finish('failed', 'no agent produced a change');
    try {
      await github.verifyRun.executeWithOptions(
        { ...GITHUB_ACTIVITY_OPTIONS, summary: 'verify branch and pull request on GitHub' },
        [verifyInput(run, ref, branch)],
      );
    } catch (err) {
      if (isFailure(err, Failure.VerificationFailed)) return finish('failed', rootMessage(err));
      throw err;
    }
    const note = unfinished.length > 0 ? `${unfinished.length} agent(s) did not finish` : undefined;
    return finish('done', note);
  } catch (err) {
    // Cancelled or failed: finished work saved as a draft PR, the comment says how it ended.
    await recordEnding(err, { ref, run, report, issue, steering });
    throw err;
  }
}

/** The run's settings: read once from the orchestrator (recorded), or as an older run recorded them. */
async function runSettings(input: IssueWorkflowInput, loaded: LoadedConfig): Promise<RunSettings> {
  if (patched('run-settings')) return loadRunSettings();
  return legacyRunSettings({
    modelTaskQueue: input.modelTaskQueue,
    defaults: loaded.defaults,
    maxParallelAgents: loaded.config.limits.max_parallel_agents,
  });
}
