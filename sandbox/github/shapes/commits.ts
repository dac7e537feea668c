/** REST commit, branch and contents shapes. */
import { diffCommits, type FileChange } from '../diff.js';
import type { CommitObject, GitPerson } from '../git-store.js';
import { accountByEmail } from '../users.js';
import { commitParents, UNSIGNED, wrappedBase64 } from './git.js';
import { encodePath, nodeId, repoApiUrl, repoHtmlUrl, type ShapeContext } from './context.js';
import { simpleUser } from './users.js';

function linkedAccount(ctx: ShapeContext, person: GitPerson) {
  const account = accountByEmail(person.email);
  return account ? simpleUser(ctx.origin, account) : null;
}

/** The `commit` item of `GET /commits` (no file list). */
export function restCommit(ctx: ShapeContext, commit: CommitObject) {
  const api = repoApiUrl(ctx);
  return {
    sha: commit.sha,
    node_id: nodeId('C', commit.sha),
    commit: {
      author: commit.author,
      committer: commit.committer,
      message: commit.message,
      tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
      url: `${api}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: UNSIGNED,
    },
    url: `${api}/commits/${commit.sha}`,
    html_url: `${repoHtmlUrl(ctx)}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    author: linkedAccount(ctx, commit.author),
    committer: linkedAccount(ctx, commit.committer),
    parents: commitParents(ctx, commit, 'commits'),
  };
}

/** One `diff-entry` of a file list; links name the commit the file is read at. */
export function diffEntry(ctx: ShapeContext, at: string, c: FileChange) {
  const html = repoHtmlUrl(ctx);
  const path = encodePath(c.path);
  return {
    sha: c.sha,
    filename: c.path,
    status: c.status,
    additions: c.additions,
    deletions: c.deletions,
    changes: c.additions + c.deletions,
    blob_url: `${html}/blob/${at}/${path}`,
    raw_url: `${html}/raw/${at}/${path}`,
    contents_url: `${repoApiUrl(ctx)}/contents/${path}?ref=${at}`,
    ...(c.patch !== undefined ? { patch: c.patch } : {}),
  };
}

/** `GET /commits/{ref}`: the commit with its changed files against the first parent. */
export function restCommitWithFiles(ctx: ShapeContext, commit: CommitObject) {
  const files = diffCommits(ctx.repo.git, commit.parents[0], commit.sha).map((c) =>
    diffEntry(ctx, commit.sha, c),
  );
  const additions = files.reduce((n, f) => n + f.additions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  return {
    ...restCommit(ctx, commit),
    stats: { total: additions + deletions, additions, deletions },
    files,
  };
}

export function branch(ctx: ShapeContext, name: string, commit: CommitObject) {
  const api = repoApiUrl(ctx);
  return {
    name,
    commit: restCommit(ctx, commit),
    _links: {
      self: `${api}/branches/${encodePath(name)}`,
      html: `${repoHtmlUrl(ctx)}/tree/${encodePath(name)}`,
    },
    protected: false,
    protection: {
      enabled: false,
      required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] },
    },
    protection_url: `${api}/branches/${encodePath(name)}/protection`,
  };
}

/** One entry of `GET /contents/{path}`: a file (with content when `content` is given) or a dir. */
export function contentEntry(
  ctx: ShapeContext,
  path: string,
  ref: string,
  target: { type: 'blob' | 'tree'; sha: string },
  content?: Buffer,
) {
  const api = repoApiUrl(ctx);
  const isFile = target.type === 'blob';
  const self = `${api}/contents/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
  const git = `${api}/git/${isFile ? 'blobs' : 'trees'}/${target.sha}`;
  const html = `${repoHtmlUrl(ctx)}/${isFile ? 'blob' : 'tree'}/${encodePath(ref)}/${encodePath(path)}`;
  return {
    type: isFile ? 'file' : 'dir',
    size: isFile ? (ctx.repo.git.blob(target.sha)?.length ?? 0) : 0,
    name: path.split('/').pop() ?? path,
    path,
    sha: target.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: isFile
      ? `${ctx.origin}/raw/${ctx.repo.fullName}/${encodePath(ref)}/${encodePath(path)}`
      : null,
    ...(content ? { content: wrappedBase64(content), encoding: 'base64' } : {}),
    _links: { self, git, html },
  };
}
