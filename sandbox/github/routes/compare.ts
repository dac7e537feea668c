/** What a reviewer reads: a pull request's commits and files, and comparisons of two refs. */
import { diffCommits } from '../diff.js';
import { notFound, ok } from '../http.js';
import { paginate } from '../pagination.js';
import type { Repo } from '../repo.js';
import { repoRoute, type Route } from '../router.js';
import { diffEntry, restCommit } from '../shapes/commits.js';
import { commitComparison, type Comparison } from '../shapes/compare.js';
import { pullChanges } from '../shapes/pulls.js';
import { pullParam } from './pulls.js';

const REPO = '/repos/{owner}/{repo}';
/** GitHub's caps: 250 commits of a pull request, 300 files of a diff. */
const MAX_COMMITS = 250;
const MAX_FILES = 300;

/** "branch", "sha" or "owner:branch" (no forks here: the owner must be the repository's). */
function resolveSide(repo: Repo, spec: string) {
  const colon = spec.indexOf(':');
  if (colon !== -1 && spec.slice(0, colon).toLowerCase() !== repo.owner.login.toLowerCase()) {
    throw notFound();
  }
  const commit = repo.resolveCommit(colon === -1 ? spec : spec.slice(colon + 1));
  if (!commit) throw notFound();
  return commit;
}

/** `base...head`, either side a ref or a sha; the files are head's changes since the merge base. */
export function compare(repo: Repo, basehead: string): Comparison {
  const match = /^(.+?)\.\.\.(.+)$/s.exec(basehead);
  if (!match) throw notFound();
  const [, base = '', head = ''] = match;
  const baseCommit = resolveSide(repo, base);
  const headCommit = resolveSide(repo, head);
  const mergeBaseSha = repo.git.mergeBase(baseCommit.sha, headCommit.sha);
  const mergeBase = mergeBaseSha ? repo.git.commit(mergeBaseSha) : undefined;
  if (!mergeBase) throw notFound(`No common ancestor between ${base} and ${head}.`);
  return {
    base,
    head,
    baseCommit,
    headCommit,
    mergeBase,
    ahead: repo.git.commitsAhead(baseCommit.sha, headCommit.sha).reverse(),
    behindBy: repo.git.commitsAhead(headCommit.sha, baseCommit.sha).length,
    files: diffCommits(repo.git, mergeBase.sha, headCommit.sha),
  };
}

export const compareRoutes: Route[] = [
  repoRoute('GET', `${REPO}/pulls/{pull_number}/commits`, 'read', (ctx) => {
    const { commits } = pullChanges(ctx.repo, pullParam(ctx).pull);
    const page = paginate(commits.slice(0, MAX_COMMITS), ctx.url);
    return ok(
      page.items.map((c) => restCommit(ctx.shape, c)),
      page.headers,
    );
  }),

  repoRoute('GET', `${REPO}/pulls/{pull_number}/files`, 'read', (ctx) => {
    const { files, headSha } = pullChanges(ctx.repo, pullParam(ctx).pull);
    const page = paginate(files.slice(0, MAX_FILES), ctx.url);
    return ok(
      page.items.map((f) => diffEntry(ctx.shape, headSha, f)),
      page.headers,
    );
  }),

  repoRoute(
    'GET',
    `${REPO}/compare/{basehead}`,
    'read',
    (ctx) => {
      const comparison = compare(ctx.repo, ctx.params.basehead ?? '');
      const body = commitComparison(ctx.shape, comparison);
      return ok({ ...body, files: body.files.slice(0, MAX_FILES) });
    },
    'rest',
  ),
];
