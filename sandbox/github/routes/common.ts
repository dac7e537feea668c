/** Helpers shared by the issue, label and pull request routes. */
import { z } from 'zod';
import { forbidden, notFound, ok, validationFailed, type Reply } from '../http.js';
import { paginate } from '../pagination.js';
import type { Issue, IssueComment, Repo } from '../repo.js';
import type { RepoContext } from '../router.js';
import type { ShapeContext } from '../shapes/context.js';
import type { Account } from '../users.js';
import { positiveIntParam, queryChoice } from '../validate.js';

const MAX_BODY = 65536;
export const Title = z.string().trim().min(1, "title can't be blank").max(256);
export const Body = z
  .string()
  .max(MAX_BODY, `body is too long (maximum is ${MAX_BODY} characters)`);

/** Label names, given as strings or as `{ name }` objects (both accepted by GitHub). */
export const LabelNames = z.array(
  z.union([
    z.string().trim().min(1).max(50),
    z.object({ name: z.string().trim().min(1).max(50) }).transform((l) => l.name),
  ]),
);

export function issueParam(ctx: RepoContext, param = 'issue_number'): Issue {
  const issue = ctx.repo.issues.get(positiveIntParam(ctx.params[param] ?? ''));
  if (!issue) throw notFound();
  return issue;
}

export function commentParam(ctx: RepoContext): IssueComment {
  const comment = ctx.repo.comments.get(positiveIntParam(ctx.params.comment_id ?? ''));
  if (!comment) throw notFound();
  return comment;
}

/** GitHub allows one open pull request per head and base. */
export function assertNoOpenPull(repo: Repo, head: string, base: string, self?: Issue): void {
  const open = repo.openPull(head, base);
  if (open && open !== self) {
    const message = `A pull request already exists for ${repo.owner.login}:${head}.`;
    throw validationFailed([{ resource: 'PullRequest', code: 'custom', message }]);
  }
}

/** Opens or closes an issue or pull request; a pull request cannot reopen over a duplicate. */
export function changeState(
  ctx: RepoContext<Account>,
  issue: Issue,
  state: 'open' | 'closed',
  reason?: Issue['stateReason'],
): void {
  if (issue.pull && state === 'open') {
    assertNoOpenPull(ctx.repo, issue.pull.head, issue.pull.base, issue);
  }
  ctx.repo.setState(issue, state, ctx.viewer, reason);
}

/** Authors may edit their own issues and comments; otherwise write access is needed. */
export function assertCanEdit(ctx: RepoContext<Account>, author: Account): void {
  if (author.login !== ctx.viewer.login && !ctx.repo.canWrite(ctx.viewer)) {
    throw forbidden(ctx.viewer);
  }
}

/** Replaces or extends an issue's labels; unknown labels are created. */
export function applyLabels(
  ctx: RepoContext,
  issue: Issue,
  names: string[],
  mode: 'set' | 'add',
): void {
  const labels = mode === 'set' ? [] : [...issue.labels];
  for (const name of names) {
    const label = ctx.repo.ensureLabel(name);
    if (!labels.includes(label)) labels.push(label);
  }
  issue.labels = labels;
  issue.updatedAt = ctx.store.seq.now();
}

/** A new open issue by the viewer, with the repository's next number (not stored yet). */
export function newIssue(
  ctx: RepoContext<Account>,
  input: { title: string; body?: string | null },
): Issue {
  const now = ctx.store.seq.now();
  return {
    id: ctx.store.seq.nextId(),
    number: ctx.repo.nextNumber(),
    title: input.title,
    body: input.body ?? null,
    state: 'open',
    stateReason: null,
    labels: [],
    author: ctx.viewer,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    closedBy: null,
  };
}

/** An update's title, body and state, as both issues and pull requests take them. */
export function applyEdits(
  ctx: RepoContext<Account>,
  issue: Issue,
  input: { title?: string; body?: string | null; state?: 'open' | 'closed' },
  reason?: Issue['stateReason'],
): void {
  if (input.title !== undefined) issue.title = input.title;
  if (input.body !== undefined) issue.body = input.body;
  if (input.state) changeState(ctx, issue, input.state, reason);
}

/** A page of a listing in the `state` query asks for (default open), newest first. */
export function listingPage<T extends Issue>(
  ctx: RepoContext,
  resource: 'Issue' | 'PullRequest',
  items: T[],
  shape: (shapes: ShapeContext, item: T) => unknown,
): Reply {
  const query = ctx.url.searchParams;
  const state = queryChoice(query, 'state', ['open', 'closed', 'all'], 'open', resource);
  const matching = items
    .filter((i) => state === 'all' || i.state === state)
    .sort((a, b) => b.number - a.number);
  const page = paginate(matching, ctx.url);
  return ok(
    page.items.map((i) => shape(ctx.shape, i)),
    page.headers,
  );
}
