/** Issue, issue-comment and label shapes. */
import type { Issue, IssueComment, Label } from '../repo.js';
import type { Account } from '../users.js';
import { simpleUser } from './users.js';
import { nodeId, repoApiUrl, repoHtmlUrl, type ShapeContext } from './context.js';

export function authorAssociation(ctx: ShapeContext, account: Account): string {
  const permission = ctx.repo.collaborators.get(account.login);
  if (permission === 'admin') return 'MEMBER';
  return permission === 'write' ? 'COLLABORATOR' : 'NONE';
}

export function label(ctx: ShapeContext, l: Label) {
  return {
    id: l.id,
    node_id: nodeId('LA', l.id),
    url: `${repoApiUrl(ctx)}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    description: l.description,
    default: l.isDefault,
  };
}

export function issue(ctx: ShapeContext, i: Issue) {
  const api = `${repoApiUrl(ctx)}/issues/${i.number}`;
  const htmlPull = `${repoHtmlUrl(ctx)}/pull/${i.number}`;
  return {
    id: i.id,
    node_id: nodeId(i.pull ? 'PR' : 'I', i.id),
    url: api,
    repository_url: repoApiUrl(ctx),
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    timeline_url: `${api}/timeline`,
    html_url: i.pull ? htmlPull : `${repoHtmlUrl(ctx)}/issues/${i.number}`,
    number: i.number,
    state: i.state,
    state_reason: i.stateReason,
    title: i.title,
    body: i.body,
    user: simpleUser(ctx.origin, i.author),
    labels: i.labels.map((l) => label(ctx, l)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: ctx.repo.commentCount(i.number),
    closed_at: i.closedAt,
    closed_by: i.closedBy ? simpleUser(ctx.origin, i.closedBy) : null,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    author_association: authorAssociation(ctx, i.author),
    ...(i.pull
      ? {
          draft: i.pull.draft,
          pull_request: {
            url: `${repoApiUrl(ctx)}/pulls/${i.number}`,
            html_url: htmlPull,
            diff_url: `${htmlPull}.diff`,
            patch_url: `${htmlPull}.patch`,
            merged_at: null,
          },
        }
      : {}),
  };
}

export function issueComment(ctx: ShapeContext, c: IssueComment) {
  const isPull = ctx.repo.issues.get(c.issueNumber)?.pull !== undefined;
  return {
    id: c.id,
    node_id: nodeId('IC', c.id),
    url: `${repoApiUrl(ctx)}/issues/comments/${c.id}`,
    html_url: `${repoHtmlUrl(ctx)}/${isPull ? 'pull' : 'issues'}/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${repoApiUrl(ctx)}/issues/${c.issueNumber}`,
    body: c.body,
    user: simpleUser(ctx.origin, c.author),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: authorAssociation(ctx, c.author),
  };
}
