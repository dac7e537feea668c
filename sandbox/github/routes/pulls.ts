/** Pull requests (each one is also an issue: they share the number sequence). */
import { z } from 'zod';
import { created, notFound, ok, validationFailed } from '../http.js';
import type { Issue, PullIssue, Repo } from '../repo.js';
import { repoRoute, type RepoContext, type Route } from '../router.js';
import { pullRequest, pullRequestSimple } from '../shapes/pulls.js';
import { parseInput } from '../validate.js';
import {
  applyEdits,
  assertCanEdit,
  assertNoOpenPull,
  Body,
  issueParam,
  listingPage,
  newIssue,
  Title,
} from './common.js';

const PULLS = '/repos/{owner}/{repo}/pulls';

const CreatePull = z.object({
  title: Title,
  head: z.string().min(1),
  base: z.string().min(1),
  body: Body.nullish(),
  draft: z.boolean().optional(),
  maintainer_can_modify: z.boolean().optional(),
});

/**
 * GitHub's REST update has no `draft` field (only GraphQL's
 * `markPullRequestReadyForReview` / `convertPullRequestToDraft` change it):
 * an unknown field is ignored, so a draft stays a draft here too.
 */
const UpdatePull = z.object({
  title: Title.optional(),
  body: Body.nullish(),
  state: z.enum(['open', 'closed']).optional(),
  base: z.string().min(1).optional(),
  maintainer_can_modify: z.boolean().optional(),
});

function isPull(issue: Issue): issue is PullIssue {
  return issue.pull !== undefined;
}

function invalidField(field: 'head' | 'base'): Error {
  return validationFailed([{ resource: 'PullRequest', field, code: 'invalid' }]);
}

function custom(message: string): Error {
  return validationFailed([{ resource: 'PullRequest', code: 'custom', message }]);
}

/** "owner:branch" or "branch"; the simulator has no forks, so owner must own the repo. */
function headBranch(repo: Repo, head: string): string {
  const colon = head.indexOf(':');
  if (colon === -1) return head;
  if (head.slice(0, colon).toLowerCase() !== repo.owner.login.toLowerCase()) {
    throw invalidField('head');
  }
  return head.slice(colon + 1);
}

export function pullParam(ctx: RepoContext): PullIssue {
  const issue = issueParam(ctx, 'pull_number');
  if (!isPull(issue)) throw notFound();
  return issue;
}

export const pullRoutes: Route[] = [
  repoRoute('GET', PULLS, 'read', (ctx) => {
    const query = ctx.url.searchParams;
    const [headOwner, headRef] = (query.get('head') ?? '').split(/:(.*)/s);
    const base = query.get('base');
    const owner = ctx.repo.owner.login.toLowerCase();
    const pulls = [...ctx.repo.issues.values()]
      .filter(isPull)
      .filter(
        (i) =>
          !headOwner ||
          (headOwner.toLowerCase() === owner && (!headRef || i.pull.head === headRef)),
      )
      .filter((i) => !base || i.pull.base === base);
    return listingPage(ctx, 'PullRequest', pulls, pullRequestSimple);
  }),

  repoRoute('POST', PULLS, 'write', (ctx) => {
    const input = parseInput(CreatePull, ctx.body, 'PullRequest');
    const { repo } = ctx;
    const head = headBranch(repo, input.head);
    const headSha = repo.branchSha(head);
    if (!headSha) throw invalidField('head');
    const baseSha = repo.branchSha(input.base);
    if (!baseSha) throw invalidField('base');
    assertNoOpenPull(repo, head, input.base);
    if (repo.git.commitsAhead(baseSha, headSha).length === 0) {
      throw custom(`No commits between ${input.base} and ${head}`);
    }
    const issue: PullIssue = {
      ...newIssue(ctx, input),
      pull: {
        id: ctx.store.seq.nextId(),
        head,
        base: input.base,
        headSha,
        baseSha,
        draft: input.draft ?? false,
        maintainerCanModify: input.maintainer_can_modify ?? false,
      },
    };
    repo.issues.set(issue.number, issue);
    const body = pullRequest(ctx.shape, issue);
    return created(body, body.url);
  }),

  repoRoute('GET', `${PULLS}/{pull_number}`, 'read', (ctx) =>
    ok(pullRequest(ctx.shape, pullParam(ctx))),
  ),

  repoRoute('PATCH', `${PULLS}/{pull_number}`, 'user', (ctx) => {
    const issue = pullParam(ctx);
    assertCanEdit(ctx, issue.author);
    const input = parseInput(UpdatePull, ctx.body, 'PullRequest');
    if (input.base !== undefined) {
      const baseSha = ctx.repo.branchSha(input.base);
      if (!baseSha) throw invalidField('base');
      if (issue.state === 'open') assertNoOpenPull(ctx.repo, issue.pull.head, input.base, issue);
      issue.pull.base = input.base;
      issue.pull.baseSha = baseSha;
    }
    if (input.maintainer_can_modify !== undefined) {
      issue.pull.maintainerCanModify = input.maintainer_can_modify;
    }
    applyEdits(ctx, issue, input);
    issue.updatedAt = ctx.store.seq.now();
    return ok(pullRequest(ctx.shape, issue));
  }),
];
