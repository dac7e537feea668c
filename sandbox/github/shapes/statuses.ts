/** Commit status shapes: `status` (create, list) and `combined-commit-status`. */
import type { CommitStatus } from '../repo.js';
import { nodeId, repoApiUrl, type ShapeContext } from './context.js';
import { repository } from './repos.js';
import { simpleUser } from './users.js';

/** The combined state, as GitHub documents it: failure > pending (or none) > success. */
export type CombinedState = 'failure' | 'pending' | 'success';

export function combinedState(latest: readonly CommitStatus[]): CombinedState {
  if (latest.some((s) => s.state === 'failure' || s.state === 'error')) return 'failure';
  if (latest.length === 0 || latest.some((s) => s.state === 'pending')) return 'pending';
  return 'success';
}

function simpleStatus(ctx: ShapeContext, sha: string, s: CommitStatus) {
  return {
    url: `${repoApiUrl(ctx)}/statuses/${sha}`,
    avatar_url: `${ctx.origin}/avatars/u/${s.creator.id}`,
    id: s.id,
    node_id: nodeId('SC', s.id),
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export function commitStatus(ctx: ShapeContext, sha: string, s: CommitStatus) {
  return { ...simpleStatus(ctx, sha, s), creator: simpleUser(ctx.origin, s.creator) };
}

export function combinedStatus(
  ctx: ShapeContext,
  sha: string,
  latest: readonly CommitStatus[],
  page: readonly CommitStatus[],
) {
  const api = repoApiUrl(ctx);
  return {
    state: combinedState(latest),
    statuses: page.map((s) => simpleStatus(ctx, sha, s)),
    sha,
    total_count: latest.length,
    repository: repository(ctx),
    commit_url: `${api}/commits/${sha}`,
    url: `${api}/commits/${sha}/status`,
  };
}
