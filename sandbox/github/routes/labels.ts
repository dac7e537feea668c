/** Repository labels and the labels of an issue. */
import { z } from 'zod';
import { notFound, ok } from '../http.js';
import { paginate } from '../pagination.js';
import { repoRoute, type RepoContext, type Route } from '../router.js';
import { label } from '../shapes/issues.js';
import { parseInput } from '../validate.js';
import type { Issue } from '../repo.js';
import { applyLabels, issueParam, LabelNames } from './common.js';

const ISSUE_LABELS = '/repos/{owner}/{repo}/issues/{issue_number}/labels';

/** `{ labels: [...] }` or a bare array, as GitHub accepts both. */
const AddLabels = z.union([
  z.object({ labels: LabelNames.min(1) }).transform((b) => b.labels),
  LabelNames.min(1),
]);

function issueLabels(ctx: RepoContext, issue: Issue) {
  return ok(issue.labels.map((l) => label(ctx.shape, l)));
}

export const labelRoutes: Route[] = [
  repoRoute('GET', '/repos/{owner}/{repo}/labels', 'read', (ctx) => {
    const page = paginate(ctx.repo.labels, ctx.url);
    return ok(
      page.items.map((l) => label(ctx.shape, l)),
      page.headers,
    );
  }),

  repoRoute('GET', ISSUE_LABELS, 'read', (ctx) => issueLabels(ctx, issueParam(ctx))),

  repoRoute('POST', ISSUE_LABELS, 'write', (ctx) => {
    const issue = issueParam(ctx);
    applyLabels(ctx, issue, parseInput(AddLabels, ctx.body, 'Label'), 'add');
    return issueLabels(ctx, issue);
  }),

  repoRoute('DELETE', `${ISSUE_LABELS}/{name}`, 'write', (ctx) => {
    const issue = issueParam(ctx);
    const name = (ctx.params.name ?? '').toLowerCase();
    const remaining = issue.labels.filter((l) => l.name.toLowerCase() !== name);
    if (remaining.length === issue.labels.length) throw notFound('Label does not exist');
    issue.labels = remaining;
    issue.updatedAt = ctx.store.seq.now();
    return issueLabels(ctx, issue);
  }),
];
