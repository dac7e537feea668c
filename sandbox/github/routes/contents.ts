/** Repository contents, commit history and branches. */
import { blobTooLarge, CONTENTS_API_MAX_BYTES, notFound, ok, unprocessable } from '../http.js';
import { paginate } from '../pagination.js';
import { repoRoute, type Route } from '../router.js';
import { branch, contentEntry, restCommit, restCommitWithFiles } from '../shapes/commits.js';

const REPO = '/repos/{owner}/{repo}';

export const contentRoutes: Route[] = [
  repoRoute(
    'GET',
    `${REPO}/contents/{path}`,
    'read',
    (ctx) => {
      const { repo } = ctx;
      const ref = ctx.url.searchParams.get('ref') || repo.defaultBranch;
      const commit = repo.resolveCommit(ref);
      if (!commit) throw notFound(`No commit found for the ref ${ref}`);
      const path = (ctx.params.path ?? '').replace(/^\/+|\/+$/g, '');
      const target = repo.git.lookupPath(commit.tree, path);
      if (!target) throw notFound();
      if (target.type === 'blob') {
        const blob = repo.git.blob(target.sha);
        if ((blob?.length ?? 0) > CONTENTS_API_MAX_BYTES) throw blobTooLarge();
        return ok(contentEntry(ctx.shape, path, ref, target, blob));
      }
      const prefix = path === '' ? '' : `${path}/`;
      return ok(
        (repo.git.tree(target.sha) ?? []).map((e) =>
          contentEntry(ctx.shape, prefix + e.name, ref, e),
        ),
      );
    },
    'rest',
  ),

  repoRoute('GET', `${REPO}/commits`, 'read', (ctx) => {
    const { repo } = ctx;
    const ref = ctx.url.searchParams.get('sha') || repo.defaultBranch;
    const head = repo.resolveCommit(ref);
    if (!head) throw notFound(`No commit found for SHA: ${ref}`);
    const history = repo.git
      .ancestry(head.sha)
      .map((commit, order) => ({ commit, order }))
      .sort(
        (a, b) =>
          b.commit.committer.date.localeCompare(a.commit.committer.date) || a.order - b.order,
      )
      .map((x) => x.commit);
    const page = paginate(history, ctx.url);
    return ok(
      page.items.map((c) => restCommit(ctx.shape, c)),
      page.headers,
    );
  }),

  repoRoute(
    'GET',
    `${REPO}/commits/{ref}`,
    'read',
    (ctx) => {
      const ref = ctx.params.ref ?? '';
      const commit = ctx.repo.resolveCommit(ref);
      if (!commit) throw unprocessable(`No commit found for SHA: ${ref}`);
      return ok(restCommitWithFiles(ctx.shape, commit));
    },
    'rest',
  ),

  repoRoute(
    'GET',
    `${REPO}/branches/{branch}`,
    'read',
    (ctx) => {
      const name = ctx.params.branch ?? '';
      const sha = ctx.repo.branchSha(name);
      const commit = sha ? ctx.repo.git.commit(sha) : undefined;
      if (!commit) throw notFound('Branch not found');
      return ok(branch(ctx.shape, name, commit));
    },
    'rest',
  ),
];
