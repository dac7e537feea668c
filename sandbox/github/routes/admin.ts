/** The simulator's own admin API under `/_sim/` (JSON, no auth, never faulted or logged). */
import { z } from 'zod';
import type { SimControls } from '../controls.js';
import { diffTrees } from '../diff.js';
import { FaultRule } from '../faults.js';
import { noContent, notFound, ok, type Reply } from '../http.js';
import type { Repo } from '../repo.js';
import { matchPath } from '../router.js';
import type { SimStore } from '../store.js';
import { parseInput } from '../validate.js';

export interface AdminContext {
  store: SimStore;
  controls: SimControls;
  /** Resets store and controls together. */
  reset(): void;
  url: URL;
  params: Record<string, string>;
  body: unknown;
}

interface AdminRoute {
  method: string;
  path: string;
  handle(ctx: AdminContext): Reply;
}

const DEFAULT_REPO = 'blogtube/blogtube';
const LatencyInput = z.object({
  meanMs: z.number().min(0).max(60_000),
  jitterMs: z.number().min(0).max(60_000).default(0),
});
const FaultsInput = z.object({ rules: z.array(FaultRule).min(1) });
const SeedInput = z.object({ seed: z.number().int() });
const HooksInput = z.object({ url: z.string().url(), secret: z.string().min(1) });
const RepoInput = z.object({
  owner: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/),
  repo: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/),
  /** Seed the classic Express/React app instead of the Node project. */
  classic: z.boolean().optional(),
});

function repoFromQuery(ctx: AdminContext): Repo {
  const [owner = '', name = ''] = (ctx.url.searchParams.get('repo') ?? DEFAULT_REPO).split('/');
  return repoNamed(ctx.store, owner, name);
}

function repoNamed(store: SimStore, owner: string, name: string): Repo {
  const repo = store.repo(owner, name);
  if (!repo) throw notFound(`No repository ${owner}/${name}`);
  return repo;
}

/** The commit at `?ref=` (default branch when absent). */
function commitAtRef(ctx: AdminContext, repo: Repo) {
  const ref = ctx.url.searchParams.get('ref') || repo.defaultBranch;
  const commit = repo.resolveCommit(ref);
  if (!commit) throw notFound(`No commit found for the ref ${ref}`);
  return commit;
}

function stateSummary(repo: Repo) {
  const branches = Object.fromEntries(
    [...repo.refs.entries()]
      .filter(([ref]) => ref.startsWith('refs/heads/'))
      .map(([ref, sha]) => [ref.slice('refs/heads/'.length), sha]),
  );
  const issues = [...repo.issues.values()];
  return {
    repo: repo.fullName,
    default_branch: repo.defaultBranch,
    branches,
    issues: issues.map((i) => ({
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      labels: i.labels.map((l) => l.name),
      user: i.author.login,
      comments: repo.commentCount(i.number),
      pull_request: i.pull !== undefined,
    })),
    comments: [...repo.comments.values()].map((c) => ({
      id: c.id,
      issue_number: c.issueNumber,
      user: c.author.login,
      body: c.body,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    })),
    pulls: issues.flatMap((i) =>
      i.pull
        ? [
            {
              number: i.number,
              title: i.title,
              body: i.body,
              state: i.state,
              draft: i.pull.draft,
              head: i.pull.head,
              base: i.pull.base,
              head_sha: repo.pullTips(i.pull).headSha,
              user: i.author.login,
            },
          ]
        : [],
    ),
    commits: repo.git
      .allCommits()
      .map((c) => ({ sha: c.sha, message: c.message, parents: c.parents })),
  };
}

const ADMIN_ROUTES: AdminRoute[] = [
  {
    method: 'POST',
    path: '/_sim/reset',
    handle: (ctx) => {
      ctx.reset();
      return ok({ ok: true });
    },
  },
  { method: 'GET', path: '/_sim/state', handle: (ctx) => ok(stateSummary(repoFromQuery(ctx))) },
  {
    method: 'GET',
    path: '/_sim/repos/{owner}/{repo}/files',
    handle: (ctx) => {
      const repo = repoNamed(ctx.store, ctx.params.owner ?? '', ctx.params.repo ?? '');
      const files = repo.git.flatten(commitAtRef(ctx, repo).tree);
      return ok(
        Object.fromEntries(
          [...files].map(([path, leaf]) => [path, repo.git.blob(leaf.sha)?.toString('utf8') ?? '']),
        ),
      );
    },
  },
  {
    method: 'GET',
    path: '/_sim/repos/{owner}/{repo}/log',
    handle: (ctx) => {
      const repo = repoNamed(ctx.store, ctx.params.owner ?? '', ctx.params.repo ?? '');
      const log = repo.git.firstParentLog(commitAtRef(ctx, repo).sha).map((c) => {
        const parent = c.parents[0] ? repo.git.commit(c.parents[0]) : undefined;
        return {
          sha: c.sha,
          message: c.message,
          parents: c.parents,
          files_changed: diffTrees(repo.git, parent?.tree, c.tree).map((f) => f.path),
          date: c.committer.date,
        };
      });
      return ok(log);
    },
  },
  {
    method: 'POST',
    path: '/_sim/repos',
    handle: (ctx) => {
      const { owner, repo, classic } = parseInput(RepoInput, ctx.body, 'Repo');
      const created = ctx.store.addRepo(owner, repo, { classic });
      return ok({ full_name: created.fullName, default_branch: 'main' });
    },
  },
  { method: 'GET', path: '/_sim/requests', handle: (ctx) => ok(ctx.controls.requests()) },
  {
    method: 'DELETE',
    path: '/_sim/requests',
    handle: (ctx) => {
      ctx.controls.clearRequests();
      return noContent();
    },
  },
  { method: 'GET', path: '/_sim/latency', handle: (ctx) => ok(ctx.controls.latency) },
  {
    method: 'POST',
    path: '/_sim/latency',
    handle: (ctx) => {
      ctx.controls.latency = parseInput(LatencyInput, ctx.body, 'Latency');
      return ok(ctx.controls.latency);
    },
  },
  { method: 'GET', path: '/_sim/faults', handle: (ctx) => ok(ctx.controls.faults.list()) },
  {
    method: 'POST',
    path: '/_sim/faults',
    handle: (ctx) => {
      ctx.controls.faults.add(parseInput(FaultsInput, ctx.body, 'Fault').rules);
      return ok(ctx.controls.faults.list());
    },
  },
  {
    method: 'DELETE',
    path: '/_sim/faults',
    handle: (ctx) => {
      ctx.controls.faults.clear();
      return noContent();
    },
  },
  {
    method: 'POST',
    path: '/_sim/hooks',
    handle: (ctx) => {
      const { url, secret } = parseInput(HooksInput, ctx.body, 'Hooks');
      return ok(ctx.store.hooks.enable(url, secret));
    },
  },
  { method: 'GET', path: '/_sim/hooks', handle: (ctx) => ok(ctx.store.hooks.list()) },
  {
    method: 'POST',
    path: '/_sim/seed',
    handle: (ctx) => {
      const { seed } = parseInput(SeedInput, ctx.body, 'Seed');
      ctx.controls.prng.reseed(seed);
      return ok({ seed });
    },
  },
];

export function handleAdmin(method: string, ctx: Omit<AdminContext, 'params'>): Reply {
  for (const route of ADMIN_ROUTES) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, false, ctx.url.pathname);
    if (params) return route.handle({ ...ctx, params });
  }
  throw notFound();
}
