/**
 * Workflow ids, branch names and the `owner/repo#n` notation. Pure and free
 * of zod (the workflow bundle imports it); parsing the notation is in
 * issue-ref.ts.
 */
import type { AgentType, IssueRef } from './schemas.js';

export function issueWorkflowId(ref: IssueRef): string {
  return `issue:${ref.owner}/${ref.repo}#${ref.number}`;
}

export function agentWorkflowId(ref: IssueRef, agent: AgentType): string {
  return `${issueWorkflowId(ref)}/agent:${agent}`;
}

/** The branch of runs recorded before branches belonged to a run (and of their retries). */
export function issueBranch(ref: IssueRef): string {
  return `blogtube/issue-${ref.number}`;
}

/**
 * The branch of one run: the issue's number and the last 12 hex digits of the
 * run's first run id (random in every UUID version Temporal uses). A new run
 * of the same issue, after Temporal's retention or not, never finds another
 * run's branch (nor its pull request, which is looked up by head branch).
 */
export function runBranch(ref: IssueRef, runId: string): string {
  const suffix = runId
    .replace(/[^0-9a-f]/gi, '')
    .slice(-12)
    .toLowerCase();
  return `${issueBranch(ref)}-${suffix}`;
}

/** Whether `branch` is a branch of one of issue `ref`'s runs (old naming or run-scoped). */
export function isIssueRunBranch(ref: IssueRef, branch: string): boolean {
  const base = issueBranch(ref);
  return (
    branch === base ||
    (/^-[0-9a-f]{12}$/.test(branch.slice(base.length)) && branch.startsWith(base))
  );
}

export function formatRef(ref: IssueRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`;
}

/**
 * Trailer that marks an agent's commit, so a retry can find it again. The run
 * id (of the agent workflow's run) makes it the run's, not the issue's: a new
 * run of the issue, or a merged commit carrying the same workflow id and agent,
 * never matches it.
 */
export function commitTrailer(workflowId: string, agent: AgentType, runId?: string): string {
  const trailer = `BlogTube-Run: ${workflowId}\nBlogTube-Agent: ${agent}`;
  return runId ? `${trailer}\nBlogTube-Run-Id: ${runId}` : trailer;
}

/** Whether `message` carries every line of `trailer` as a whole line. */
export function hasTrailer(message: string, trailer: string): boolean {
  const lines = new Set(message.split('\n').map((l) => l.trim()));
  return trailer.split('\n').every((l) => lines.has(l));
}

/** Hidden marker of the progress comment (one per issue). */
export function progressMarker(ref: IssueRef): string {
  return `<!-- blogtube:progress ${issueWorkflowId(ref)} -->`;
}
