/**
 * Commit statuses, as GitHub serves them: create one on a commit, list a
 * ref's statuses (newest first) and the combined status of a ref (the latest
 * status of each context, contexts compared ignoring case).
 */
import { z } from 'zod';
import { created, notFound, ok, validationFailed } from '../http.js';
import { paginate } from '../pagination.js';
import type { CommitStatus, Repo } from '../repo.js';
import { repoRoute, type RepoContext, type Route } from '../router.js';
import { combinedStatus, commitStatus } from '../shapes/statuses.js';
import { parseInput } from '../validate.js';

const REPO = '/repos/{owner}/{repo}';
/** GitHub's limits: a short description, and 1000 statuses per (sha, context). */
export const MAX_STATUS_DESCRIPTION = 140;
export const MAX_STATUSES_PER_CONTEXT = 1000;

const httpUrl = z
  .string()
  .max(2000)
  .refine((u) => /^https?:\/\/[^\s]+$/i.test(u), { message: 'target_url must be an http(s) URL' });

const CreateStatus = z.object({
  state: z.enum(['error', 'failure', 'pending', 'success']),
  target_url: httpUrl.nullish(),
  description: z
    .string()
    .max(
      MAX_STATUS_DESCRIPTION,
      `description is too long (maximum is ${MAX_STATUS_DESCRIPTION} characters)`,
    )
    .nullish(),
  context: z.string().trim().min(1).max(255).default('default'),
});

/** The commit a ref (sha, branch or tag) names, as its full sha. */
function commitOf(repo: Repo, ref: string): string {
  const commit = repo.resolveCommit(ref);
  if (!commit) throw notFound(`No commit found for SHA: ${ref}`);
  return commit.sha;
}

function statusesOf(ctx: RepoContext, sha: string): CommitStatus[] {
  return ctx.repo.statuses.get(sha) ?? [];
}

export const statusRoutes: Route[] = [
  repoRoute('POST', `${REPO}/statuses/{sha}`, 'write', (ctx) => {
    const input = parseInput(CreateStatus, ctx.body, 'Status');
    const sha = ctx.repo.git.findCommit((ctx.params.sha ?? '').toLowerCase())?.sha;
    if (!sha) {
      throw validationFailed([
        { resource: 'Status', field: 'sha', code: 'custom', message: 'No commit found for SHA' },
      ]);
    }
    const list = statusesOf(ctx, sha);
    const context = input.context.toLowerCase();
    if (
      list.filter((s) => s.context.toLowerCase() === context).length >= MAX_STATUSES_PER_CONTEXT
    ) {
      const message = `This SHA and context has reached the maximum number of statuses.`;
      throw validationFailed([{ resource: 'Status', code: 'custom', message }]);
    }
    const now = ctx.store.seq.now();
    const status: CommitStatus = {
      id: ctx.store.seq.nextId(),
      state: input.state,
      context: input.context,
      description: input.description ?? null,
      targetUrl: input.target_url ?? null,
      creator: ctx.viewer,
      createdAt: now,
      updatedAt: now,
    };
    ctx.repo.statuses.set(sha, [...list, status]);
    const body = commitStatus(ctx.shape, sha, status);
    return created(body, body.url);
  }),

  repoRoute('GET', `${REPO}/commits/{ref}/statuses`, 'read', (ctx) => {
    const sha = commitOf(ctx.repo, ctx.params.ref ?? '');
    const page = paginate([...statusesOf(ctx, sha)].reverse(), ctx.url);
    return ok(
      page.items.map((s) => commitStatus(ctx.shape, sha, s)),
      page.headers,
    );
  }),

  repoRoute('GET', `${REPO}/commits/{ref}/status`, 'read', (ctx) => {
    const sha = commitOf(ctx.repo, ctx.params.ref ?? '');
    const latest = ctx.repo.latestStatuses(sha);
    const page = paginate(latest, ctx.url);
    return ok(combinedStatus(ctx.shape, sha, latest, page.items), page.headers);
  }),
];
