/** What every response shape needs: the origin URLs point at, the repository and the caller. */
import type { Repo } from '../repo.js';
import type { Account } from '../users.js';

export interface ShapeContext {
  /** e.g. "http://127.0.0.1:3001": API and html URLs both point at the simulator. */
  origin: string;
  repo: Repo;
  viewer: Account | null;
}

export function repoApiUrl(ctx: ShapeContext): string {
  return `${ctx.origin}/repos/${ctx.repo.fullName}`;
}

export function repoHtmlUrl(ctx: ShapeContext): string {
  return `${ctx.origin}/${ctx.repo.fullName}`;
}

/** Opaque, stable GraphQL-style node id. */
export function nodeId(prefix: string, key: string | number): string {
  return `${prefix}_${Buffer.from(`sim:${prefix}:${key}`).toString('base64url')}`;
}

/** Path segments escaped, slashes kept. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
