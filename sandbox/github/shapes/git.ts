/** Git data shapes: refs, git commits, trees and blobs. */
import type { CommitObject, TreeEntry } from '../git-store.js';
import { encodePath, nodeId, repoApiUrl, repoHtmlUrl, type ShapeContext } from './context.js';

export function gitRef(ctx: ShapeContext, ref: string, sha: string) {
  const api = repoApiUrl(ctx);
  return {
    ref,
    node_id: nodeId('REF', `${ctx.repo.id}:${ref}`),
    url: `${api}/git/${encodePath(ref)}`,
    object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` },
  };
}

export const UNSIGNED = {
  verified: false,
  reason: 'unsigned',
  signature: null,
  payload: null,
  verified_at: null,
};

export function commitParents(
  ctx: ShapeContext,
  commit: CommitObject,
  kind: 'git/commits' | 'commits',
) {
  return commit.parents.map((sha) => ({
    sha,
    url: `${repoApiUrl(ctx)}/${kind}/${sha}`,
    html_url: `${repoHtmlUrl(ctx)}/commit/${sha}`,
  }));
}

export function gitCommit(ctx: ShapeContext, commit: CommitObject) {
  const api = repoApiUrl(ctx);
  return {
    sha: commit.sha,
    node_id: nodeId('C', commit.sha),
    url: `${api}/git/commits/${commit.sha}`,
    html_url: `${repoHtmlUrl(ctx)}/commit/${commit.sha}`,
    author: commit.author,
    committer: commit.committer,
    tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
    message: commit.message,
    parents: commitParents(ctx, commit, 'git/commits'),
    verification: UNSIGNED,
  };
}

/** A tree listing; `entries` carry full paths when the listing is recursive. */
export function gitTree(ctx: ShapeContext, sha: string, entries: (TreeEntry & { path: string })[]) {
  const api = repoApiUrl(ctx);
  return {
    sha,
    url: `${api}/git/trees/${sha}`,
    tree: entries.map((e) => ({
      path: e.path,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.type === 'blob' ? { size: ctx.repo.git.blob(e.sha)?.length ?? 0 } : {}),
      url: `${api}/git/${e.type === 'blob' ? 'blobs' : 'trees'}/${e.sha}`,
    })),
    truncated: false,
  };
}

/** Base64 wrapped at 60 columns, as GitHub returns blob and file content. */
export function wrappedBase64(content: Buffer): string {
  const b64 = content.toString('base64');
  return (b64.match(/.{1,60}/g) ?? []).map((line) => `${line}\n`).join('');
}

export function blob(ctx: ShapeContext, sha: string, content: Buffer) {
  return {
    sha,
    node_id: nodeId('B', sha),
    size: content.length,
    url: `${repoApiUrl(ctx)}/git/blobs/${sha}`,
    content: wrappedBase64(content),
    encoding: 'base64',
  };
}

export function shortBlob(ctx: ShapeContext, sha: string) {
  return { sha, url: `${repoApiUrl(ctx)}/git/blobs/${sha}` };
}
