/** The App's webhook deliveries: list them, ask for a redelivery (App JWT only). */
import { HttpError, notFound, ok, type Reply } from '../http.js';
import type { Route, RouteContext } from '../router.js';
import { positiveIntParam } from '../validate.js';

function appRoute(method: string, path: string, handler: (ctx: RouteContext) => Reply): Route {
  return {
    method,
    path,
    rest: false,
    handle: (ctx) => {
      if (!ctx.store.hooks.isApp(ctx.authorization)) {
        throw new HttpError(
          401,
          'A JSON web token could not be decoded (authenticate as the GitHub App)',
        );
      }
      return handler(ctx);
    },
  };
}

export const appRoutes: Route[] = [
  appRoute('GET', '/app/hook/deliveries', (ctx) => {
    const perPage = Math.min(100, Math.max(1, Number(ctx.url.searchParams.get('per_page') ?? 30)));
    // `cursor`: the id to continue below (newest first), as the `link` header's next page says.
    const cursor = Number(ctx.url.searchParams.get('cursor') ?? Infinity);
    const all = ctx.store.hooks.list().filter((d) => d.id < cursor);
    const page = all.slice(0, perPage);
    const last = page[page.length - 1];
    const headers: Record<string, string> = {};
    if (last && all.length > page.length) {
      const next = new URL(ctx.url);
      next.searchParams.set('cursor', String(last.id));
      next.searchParams.set('per_page', String(perPage));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    return ok(page, headers);
  }),

  appRoute('POST', '/app/hook/deliveries/{delivery_id}/attempts', (ctx) => {
    const id = positiveIntParam(ctx.params.delivery_id ?? '');
    if (!ctx.store.hooks.redeliver(id)) throw notFound();
    return { status: 202, body: {} };
  }),
];
