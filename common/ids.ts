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

export function issueBranch(ref: IssueRef): string {
  return `blogtube/issue-${ref.number}`;
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
