/** A small path-template router; repository routes resolve the repo and check access first. */
import { forbidden, notFound, requiresAuthentication, type Reply } from './http.js';
import type { Repo } from './repo.js';
import type { ShapeContext } from './shapes/context.js';
import type { SimStore } from './store.js';
import type { Account } from './users.js';

export interface RouteContext<V extends Account | null = Account | null> {
  store: SimStore;
  /** Absolute request URL (host from the Host header): base of `link` headers. */
  url: URL;
  origin: string;
  viewer: V;
  params: Record<string, string>;
  body: unknown;
  /** The request's `Authorization` header (App routes check their JWT with it). */
  authorization?: string;
}

export interface RepoContext<V extends Account | null = Account | null> extends RouteContext<V> {
  repo: Repo;
  shape: ShapeContext;
}

export interface Route {
  method: string;
  /** Path template, spelled as in GitHub's OpenAPI description. */
  path: string;
  /** The last parameter takes the rest of the path, slashes included. */
  rest: boolean;
  handle(ctx: RouteContext): Reply;
}

/** Repository read access (anonymous allowed, the repo is public), any user, or write. */
type Access = 'read' | 'user' | 'write';

export function userRoute(
  method: string,
  path: string,
  handler: (ctx: RouteContext<Account>) => Reply,
): Route {
  return {
    method,
    path,
    rest: false,
    handle: (ctx) => {
      const viewer = ctx.viewer;
      if (!viewer) throw requiresAuthentication();
      return handler({ ...ctx, viewer });
    },
  };
}

export function repoRoute(
  method: string,
  path: string,
  access: 'read',
  handler: (ctx: RepoContext) => Reply,
  rest?: 'rest',
): Route;
export function repoRoute(
  method: string,
  path: string,
  access: 'user' | 'write',
  handler: (ctx: RepoContext<Account>) => Reply,
  rest?: 'rest',
): Route;
export function repoRoute(
  method: string,
  path: string,
  access: Access,
  handler: (ctx: RepoContext<Account>) => Reply,
  rest?: 'rest',
): Route {
  return {
    method,
    path,
    rest: rest === 'rest',
    handle: (ctx) => {
      const repo = ctx.store.repo(ctx.params.owner ?? '', ctx.params.repo ?? '');
      if (!repo) throw notFound();
      const viewer = ctx.viewer;
      if (access !== 'read' && !viewer) throw requiresAuthentication();
      if (access === 'write' && viewer && !repo.canWrite(viewer)) throw forbidden(viewer);
      const shape = { origin: ctx.origin, repo, viewer };
      // Read routes accept an anonymous viewer; the overloads keep handler types honest.
      return handler({ ...ctx, viewer: viewer as Account, repo, shape });
    },
  };
}

/** Matches `pathname` against a template; parameters are URI-decoded. */
export function matchPath(
  template: string,
  rest: boolean,
  pathname: string,
): Record<string, string> | undefined {
  const want = template.split('/').slice(1);
  const have = pathname.replace(/\/+$/, '').split('/').slice(1);
  const params: Record<string, string> = {};
  try {
    for (const [i, segment] of want.entries()) {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      const last = i === want.length - 1;
      if (param && rest && last) {
        params[param] = decodeURIComponent(have.slice(i).join('/'));
        return params;
      }
      const actual = have[i];
      if (actual === undefined) return undefined;
      if (param) {
        if (actual === '') return undefined;
        params[param] = decodeURIComponent(actual);
      } else if (segment !== actual) return undefined;
    }
  } catch {
    return undefined; // malformed percent-encoding
  }
  return have.length === want.length ? params : undefined;
}

export function findRoute(
  routes: readonly Route[],
  method: string,
  pathname: string,
): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, route.rest, pathname);
    if (params) return { route, params };
  }
  return undefined;
}
