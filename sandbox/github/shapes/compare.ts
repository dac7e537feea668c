/** `commit-comparison`: `GET /compare/{base}...{head}`. */
import type { FileChange } from '../diff.js';
import type { CommitObject } from '../git-store.js';
import { diffEntry, restCommit } from './commits.js';
import { repoApiUrl, repoHtmlUrl, type ShapeContext } from './context.js';

export interface Comparison {
  /** As the caller spelled them (branch, sha, owner:branch). */
  base: string;
  head: string;
  baseCommit: CommitObject;
  headCommit: CommitObject;
  mergeBase: CommitObject;
  /** Commits in head and not in base, oldest first. */
  ahead: CommitObject[];
  behindBy: number;
  files: FileChange[];
}

function comparisonStatus(aheadBy: number, behindBy: number) {
  if (aheadBy === 0) return behindBy === 0 ? 'identical' : 'behind';
  return behindBy === 0 ? 'ahead' : 'diverged';
}

export function commitComparison(ctx: ShapeContext, c: Comparison) {
  const html = `${repoHtmlUrl(ctx)}/compare/${c.base}...${c.head}`;
  const owner = ctx.repo.owner.login;
  const short = (commit: CommitObject) => `${owner}:${commit.sha.slice(0, 7)}`;
  return {
    url: `${repoApiUrl(ctx)}/compare/${c.base}...${c.head}`,
    html_url: html,
    permalink_url: `${repoHtmlUrl(ctx)}/compare/${short(c.baseCommit)}...${short(c.headCommit)}`,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    base_commit: restCommit(ctx, c.baseCommit),
    merge_base_commit: restCommit(ctx, c.mergeBase),
    status: comparisonStatus(c.ahead.length, c.behindBy),
    ahead_by: c.ahead.length,
    behind_by: c.behindBy,
    total_commits: c.ahead.length,
    commits: c.ahead.map((commit) => restCommit(ctx, commit)),
    files: c.files.map((f) => diffEntry(ctx, c.headCommit.sha, f)),
  };
}
