/** Issues and issue comments. */
import { z } from 'zod';
import { created, ok } from '../http.js';
import { paginate } from '../pagination.js';
import type { IssueComment } from '../repo.js';
import { repoRoute, type Route } from '../router.js';
import { issue as issueShape, issueComment } from '../shapes/issues.js';
import { fullRepository } from '../shapes/repos.js';
import { simpleUser } from '../shapes/users.js';
import { parseInput } from '../validate.js';
import {
  applyEdits,
  applyLabels,
  assertCanEdit,
  Body,
  commentParam,
  issueParam,
  LabelNames,
  listingPage,
  newIssue,
  Title,
} from './common.js';

const ISSUES = '/repos/{owner}/{repo}/issues';

const CreateIssue = z.object({
  title: Title,
  body: Body.nullish(),
  labels: LabelNames.optional(),
});

const UpdateIssue = z.object({
  title: Title.optional(),
  body: Body.nullish(),
  state: z.enum(['open', 'closed']).optional(),
  state_reason: z.enum(['completed', 'not_planned', 'reopened']).nullish(),
  labels: LabelNames.optional(),
});

const CommentBody = z.object({ body: Body.min(1, "body can't be blank") });

export const issueRoutes: Route[] = [
  repoRoute('GET', ISSUES, 'read', (ctx) => {
    const wanted = (ctx.url.searchParams.get('labels') ?? '')
      .split(',')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l !== '');
    const labelled = [...ctx.repo.issues.values()].filter((i) =>
      wanted.every((w) => i.labels.some((l) => l.name.toLowerCase() === w)),
    );
    return listingPage(ctx, 'Issue', labelled, issueShape);
  }),

  repoRoute('POST', ISSUES, 'user', (ctx) => {
    const input = parseInput(CreateIssue, ctx.body, 'Issue');
    const { repo, viewer } = ctx;
    const issue = newIssue(ctx, input);
    repo.issues.set(issue.number, issue);
    // As on GitHub, labels from users without push access are silently dropped.
    if (input.labels && repo.canWrite(viewer)) applyLabels(ctx, issue, input.labels, 'set');
    const body = issueShape(ctx.shape, issue);
    ctx.store.hooks.emit('issues', {
      action: 'opened',
      issue: body,
      repository: fullRepository(ctx.shape),
      sender: simpleUser(ctx.origin, viewer),
    });
    return created(body, body.url);
  }),

  repoRoute('GET', `${ISSUES}/{issue_number}`, 'read', (ctx) =>
    ok(issueShape(ctx.shape, issueParam(ctx))),
  ),

  repoRoute('PATCH', `${ISSUES}/{issue_number}`, 'user', (ctx) => {
    const issue = issueParam(ctx);
    assertCanEdit(ctx, issue.author);
    const input = parseInput(UpdateIssue, ctx.body, 'Issue');
    applyEdits(ctx, issue, input, input.state_reason);
    if (input.labels && ctx.repo.canWrite(ctx.viewer)) {
      applyLabels(ctx, issue, input.labels, 'set');
    }
    issue.updatedAt = ctx.store.seq.now();
    return ok(issueShape(ctx.shape, issue));
  }),

  repoRoute('GET', `${ISSUES}/{issue_number}/comments`, 'read', (ctx) => {
    const issue = issueParam(ctx);
    const comments = [...ctx.repo.comments.values()].filter((c) => c.issueNumber === issue.number);
    const page = paginate(comments, ctx.url);
    return ok(
      page.items.map((c) => issueComment(ctx.shape, c)),
      page.headers,
    );
  }),

  repoRoute('POST', `${ISSUES}/{issue_number}/comments`, 'user', (ctx) => {
    const issue = issueParam(ctx);
    const input = parseInput(CommentBody, ctx.body, 'IssueComment');
    const now = ctx.store.seq.now();
    const comment: IssueComment = {
      id: ctx.store.seq.nextId(),
      issueNumber: issue.number,
      body: input.body,
      author: ctx.viewer,
      createdAt: now,
      updatedAt: now,
    };
    ctx.repo.comments.set(comment.id, comment);
    issue.updatedAt = now;
    const body = issueComment(ctx.shape, comment);
    ctx.store.hooks.emit('issue_comment', {
      action: 'created',
      issue: issueShape(ctx.shape, issue),
      comment: body,
      repository: fullRepository(ctx.shape),
      sender: simpleUser(ctx.origin, ctx.viewer),
    });
    return created(body, body.url);
  }),

  repoRoute('GET', `${ISSUES}/comments/{comment_id}`, 'read', (ctx) =>
    ok(issueComment(ctx.shape, commentParam(ctx))),
  ),

  repoRoute('PATCH', `${ISSUES}/comments/{comment_id}`, 'user', (ctx) => {
    const comment = commentParam(ctx);
    assertCanEdit(ctx, comment.author);
    comment.body = parseInput(CommentBody, ctx.body, 'IssueComment').body;
    comment.updatedAt = ctx.store.seq.now();
    return ok(issueComment(ctx.shape, comment));
  }),
];
