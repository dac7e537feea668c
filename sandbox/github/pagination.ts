/** GitHub-style `page`/`per_page` pagination with a `link` header. */
const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;

/** Like GitHub, a missing, malformed or non-positive value means the default. */
function pageParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name) ?? '';
  return /^\d{1,9}$/.test(raw) && Number(raw) >= 1 ? Number(raw) : fallback;
}

export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

export function paginate<T>(all: readonly T[], requestUrl: URL): Page<T> {
  const perPage = Math.min(
    pageParam(requestUrl.searchParams, 'per_page', DEFAULT_PER_PAGE),
    MAX_PER_PAGE,
  );
  const page = pageParam(requestUrl.searchParams, 'page', 1);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);

  const link = (n: number, rel: string): string => {
    const url = new URL(requestUrl);
    url.searchParams.set('page', String(n));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(Math.min(page - 1, lastPage), 'prev'));
  if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  return { items, headers: links.length > 0 ? { link: links.join(', ') } : {} };
}
