/**
 * The HTML pages at the `html_url`s the simulator hands out. They are read
 * only, anonymous, and outside the API's latency, faults and request log.
 */
import type { Repo } from '../repo.js';
import { matchPath } from '../router.js';
import type { SimStore } from '../store.js';
import { positiveIntParam } from '../validate.js';
import { commitPage } from './commit.js';
import { html } from './html.js';
import { indexPage, listPage } from './index.js';
import { issuePage } from './issue.js';
import { layout } from './layout.js';
import { pullDiffText, pullPage } from './pull.js';
import { blobPage, splitRefPath, treePage } from './repo.js';

export interface PageReply {
  status: number;
  body: string;
  /** Default text/html. */
  contentType?: string;
  location?: string;
}

interface PageContext {
  store: SimStore;
  url: URL;
  params: Record<string, string>;
}

interface RepoPageContext extends PageContext {
  repo: Repo;
}

interface PageRoute {
  path: string;
  rest: boolean;
  /** Undefined when the path names no repository: the API answers (a JSON 404). */
  render(ctx: PageContext): PageReply | undefined;
}

const page = (body: string): PageReply => ({ status: 200, body });
const redirect = (location: string): PageReply => ({ status: 302, body: '', location });

function notFoundPage(what: string): PageReply {
  const body = html`<h2 class="title">Not found</h2>
    <p class="muted">${what}</p>
    <p><a href="/">All sandbox repositories</a></p>`;
  return { status: 404, body: layout({ title: 'Not found · BlogTube sandbox', body }) };
}

function repoPage(
  path: string,
  render: (ctx: RepoPageContext) => PageReply,
  rest = false,
): PageRoute {
  return {
    path: `/{owner}/{repo}${path}`,
    rest,
    render: (ctx) => {
      const repo = ctx.store.repo(ctx.params.owner ?? '', ctx.params.repo ?? '');
      return repo ? render({ ...ctx, repo }) : undefined;
    },
  };
}

/** An issue or pull request number; anything else is not found (as `positiveIntParam` decides). */
function numberParam(value: string): number | undefined {
  try {
    return positiveIntParam(value);
  } catch {
    return undefined;
  }
}

function treeOrBlob(ctx: RepoPageContext, rest: string, want: 'tree' | 'blob' | 'raw'): PageReply {
  const { repo } = ctx;
  const at = splitRefPath(repo, rest);
  if (!at) return notFoundPage(`No branch or commit ${rest} in ${repo.fullName}.`);
  const target = repo.git.lookupPath(at.commit.tree, at.path);
  if (!target) return notFoundPage(`No ${at.path} at ${at.ref}.`);
  if (target.type === 'tree') {
    if (want !== 'tree') return redirect(`/${repo.fullName}/tree/${rest}`);
    return page(treePage(repo, at, target.sha));
  }
  const content = repo.git.blob(target.sha) ?? Buffer.alloc(0);
  if (want === 'raw') {
    return {
      status: 200,
      body: content.toString('utf8'),
      contentType: 'text/plain; charset=utf-8',
    };
  }
  return page(blobPage(repo, at, content));
}

const PAGES: PageRoute[] = [
  repoPage('', (ctx) => treeOrBlob(ctx, ctx.repo.defaultBranch, 'tree')),
  repoPage('/tree/{ref}', (ctx) => treeOrBlob(ctx, ctx.params.ref ?? '', 'tree'), true),
  repoPage('/blob/{ref}', (ctx) => treeOrBlob(ctx, ctx.params.ref ?? '', 'blob'), true),
  repoPage('/raw/{ref}', (ctx) => treeOrBlob(ctx, ctx.params.ref ?? '', 'raw'), true),
  repoPage('/issues', (ctx) => page(listPage(ctx.repo, false))),
  repoPage('/pulls', (ctx) => page(listPage(ctx.repo, true))),
  repoPage('/issues/{number}', (ctx) => {
    const issue = ctx.repo.issues.get(numberParam(ctx.params.number ?? '') ?? 0);
    if (!issue) return notFoundPage(`No issue #${ctx.params.number} in ${ctx.repo.fullName}.`);
    if (issue.pull) return redirect(`/${ctx.repo.fullName}/pull/${issue.number}`);
    return page(issuePage(ctx.repo, issue));
  }),
  repoPage('/pull/{number}', (ctx) => {
    const [, number = '', diff] = /^(.*?)(\.diff)?$/.exec(ctx.params.number ?? '') ?? [];
    const issue = ctx.repo.issues.get(numberParam(number) ?? 0);
    if (!issue) return notFoundPage(`No pull request #${number} in ${ctx.repo.fullName}.`);
    if (!issue.pull) return redirect(`/${ctx.repo.fullName}/issues/${issue.number}`);
    const pull = { ...issue, pull: issue.pull };
    if (diff) {
      return {
        status: 200,
        body: pullDiffText(ctx.repo, pull),
        contentType: 'text/plain; charset=utf-8',
      };
    }
    return page(pullPage(ctx.repo, pull, ctx.url));
  }),
  repoPage('/commit/{sha}', (ctx) => {
    const commit = ctx.repo.git.findCommit((ctx.params.sha ?? '').toLowerCase());
    if (!commit) return notFoundPage(`No commit ${ctx.params.sha} in ${ctx.repo.fullName}.`);
    return page(commitPage(ctx.repo, commit, ctx.url));
  }),
];

/** The page at `url`, if the path is one of the pages' (else the API answers). */
export function renderPage(store: SimStore, url: URL): PageReply | undefined {
  if (url.pathname === '/') return page(indexPage(store));
  for (const route of PAGES) {
    const params = matchPath(route.path, route.rest, url.pathname);
    if (params) {
      const reply = route.render({ store, url, params });
      if (reply) return reply;
    }
  }
  return undefined;
}
