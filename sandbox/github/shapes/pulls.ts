/** Pull request shapes: `pull-request-simple` (lists) and `pull-request` (single). */
import { diffCommits } from '../diff.js';
import type { PullInfo, PullIssue, Repo } from '../repo.js';
import { repository } from './repos.js';
import { authorAssociation, label } from './issues.js';
import { nodeId, repoApiUrl, repoHtmlUrl, type ShapeContext } from './context.js';
import { simpleUser } from './users.js';

function branchEnd(ctx: ShapeContext, ref: string, sha: string) {
  return {
    label: `${ctx.repo.owner.login}:${ref}`,
    ref,
    sha,
    user: simpleUser(ctx.origin, ctx.repo.owner),
    repo: repository(ctx),
  };
}

export function pullRequestSimple(ctx: ShapeContext, issue: PullIssue) {
  const { pull } = issue;
  const { headSha, baseSha } = ctx.repo.pullTips(pull);
  const api = repoApiUrl(ctx);
  const self = `${api}/pulls/${issue.number}`;
  const html = `${repoHtmlUrl(ctx)}/pull/${issue.number}`;
  const links = {
    self: { href: self },
    html: { href: html },
    issue: { href: `${api}/issues/${issue.number}` },
    comments: { href: `${api}/issues/${issue.number}/comments` },
    review_comments: { href: `${self}/comments` },
    review_comment: { href: `${api}/pulls/comments{/number}` },
    commits: { href: `${self}/commits` },
    statuses: { href: `${api}/statuses/${headSha}` },
  };
  return {
    url: self,
    id: pull.id,
    node_id: nodeId('PR', pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: links.issue.href,
    commits_url: links.commits.href,
    review_comments_url: links.review_comments.href,
    review_comment_url: links.review_comment.href,
    comments_url: links.comments.href,
    statuses_url: links.statuses.href,
    number: issue.number,
    state: issue.state,
    locked: false,
    title: issue.title,
    user: simpleUser(ctx.origin, issue.author),
    body: issue.body,
    labels: issue.labels.map((l) => label(ctx, l)),
    milestone: null,
    active_lock_reason: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branchEnd(ctx, pull.head, headSha),
    base: branchEnd(ctx, pull.base, baseSha),
    _links: links,
    author_association: authorAssociation(ctx, issue.author),
    auto_merge: null,
    draft: pull.draft,
  };
}

/** The pull request's commits (oldest first) and its files, against the merge base. */
export function pullChanges(repo: Repo, pull: PullInfo) {
  const git = repo.git;
  const { headSha, baseSha } = repo.pullTips(pull);
  const mergeBase = git.mergeBase(headSha, baseSha);
  return {
    headSha,
    baseSha,
    mergeBase,
    commits: git.commitsAhead(baseSha, headSha).reverse(),
    files: diffCommits(git, mergeBase, headSha),
  };
}

/** Head changes against the merge base; conflicting when base changed the same file differently. */
function pullDiff(ctx: ShapeContext, pull: PullInfo) {
  const ours = pullChanges(ctx.repo, pull);
  const theirs = new Map(
    diffCommits(ctx.repo.git, ours.mergeBase, ours.baseSha).map((c) => [c.path, c]),
  );
  const conflicting = ours.files.some((c) => {
    const other = theirs.get(c.path);
    return other !== undefined && (other.sha !== c.sha || other.status !== c.status);
  });
  return {
    commits: ours.commits.length,
    changedFiles: ours.files.length,
    additions: ours.files.reduce((n, c) => n + c.additions, 0),
    deletions: ours.files.reduce((n, c) => n + c.deletions, 0),
    conflicting,
  };
}

export function pullRequest(ctx: ShapeContext, issue: PullIssue) {
  const diff = pullDiff(ctx, issue.pull);
  const open = issue.state === 'open';
  const mergeableState = diff.conflicting ? 'dirty' : issue.pull.draft ? 'draft' : 'clean';
  return {
    ...pullRequestSimple(ctx, issue),
    merged: false,
    mergeable: open ? !diff.conflicting : null,
    rebaseable: open ? !diff.conflicting : null,
    mergeable_state: open ? mergeableState : 'unknown',
    merged_by: null,
    comments: ctx.repo.commentCount(issue.number),
    review_comments: 0,
    maintainer_can_modify: issue.pull.maintainerCanModify,
    commits: diff.commits,
    additions: diff.additions,
    deletions: diff.deletions,
    changed_files: diff.changedFiles,
  };
}
