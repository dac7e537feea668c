/**
 * What a run writes on GitHub about itself: the one progress comment (found
 * again by its id once known), the pull request for what the agents committed,
 * and the run's end (phase, search attributes, last progress update).
 */
import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { GitHubActivities } from '../activities/github.js';
import { issueBranch, progressMarker } from '../common/ids.js';
import type { IssueData, IssueRef, IssueWorkflowResult, Phase } from '../common/schemas.js';
import { SA } from '../common/search-attributes.js';
import { GITHUB_ACTIVITY_OPTIONS } from './activity-options.js';
import { renderDetails } from './pure/details.js';
import { renderProgress, renderPullRequest } from './pure/report.js';
import type { RunState } from './pure/run-state.js';

const github = proxyActivities<GitHubActivities>(GITHUB_ACTIVITY_OPTIONS);

export class RunReport {
  /** The progress comment's id once known: later updates go straight to it. */
  private progressCommentId: number | undefined;

  constructor(
    private readonly run: RunState,
    private readonly ref: IssueRef,
  ) {}

  /** Bring the progress comment (and the Web UI's details) up to date. */
  async updateProgress(): Promise<number> {
    const { status } = this.run;
    setCurrentDetails(renderDetails(status));
    this.progressCommentId = await github.upsertComment.executeWithOptions(
      { ...GITHUB_ACTIVITY_OPTIONS, summary: `progress comment: ${status.phase}` },
      [this.ref, progressMarker(this.ref), renderProgress(status), this.progressCommentId],
    );
    return this.progressCommentId;
  }

  /** End the run in `phase` (with `error`, if any): the comment says so. */
  async finish(phase: Phase, error?: string): Promise<IssueWorkflowResult> {
    if (error) this.run.status.error = error;
    this.run.setPhase(phase);
    upsertSearchAttributes([{ key: SA.agentsFailed, value: this.run.failedAgents().length }]);
    await this.updateProgress();
    return this.run.result(phase);
  }

  /** Open (or update) the PR for whatever the agents committed; false when nothing was. */
  async openPr(issue: IssueData): Promise<boolean> {
    const { run, ref } = this;
    if (!run.hasCommits()) return false;
    const pr = renderPullRequest(run.status);
    const info = await github.openPullRequest.executeWithOptions(
      { ...GITHUB_ACTIVITY_OPTIONS, summary: `pull request${pr.draft ? ' (draft)' : ''}` },
      [{ ref, branch: run.status.branch ?? issueBranch(ref), base: issue.defaultBranch, ...pr }],
    );
    Object.assign(run.status, { prUrl: info.url, prNumber: info.number, draft: info.draft });
    upsertSearchAttributes([{ key: SA.prUrl, value: info.url }]);
    return true;
  }
}
