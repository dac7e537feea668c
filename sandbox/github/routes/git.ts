/** Git data: references, commits, trees and blobs. */
import { z } from 'zod';
import { type FileMode, type FlatTree, type GitPerson, type TreeEntry } from '../git-store.js';
import { created, noContent, notFound, ok, unprocessable } from '../http.js';
import type { Repo } from '../repo.js';
import { repoRoute, type Route } from '../router.js';
import { blob, gitCommit, gitRef, gitTree, shortBlob } from '../shapes/git.js';
import { isoSeconds } from '../sequence.js';
import { noreplyEmail } from '../users.js';
import { parseInput } from '../validate.js';

const GIT = '/repos/{owner}/{repo}/git';
const Sha = z
  .string()
  .regex(/^[0-9a-fA-F]{40}$/, 'must be a 40 character SHA')
  .toLowerCase();

const CreateRef = z.object({ ref: z.string(), sha: Sha });
const UpdateRef = z.object({ sha: Sha, force: z.boolean().optional() });

const Person = z.object({
  name: z.string().min(1),
  email: z.string().min(1),
  date: z
    .string()
    .refine((d) => !Number.isNaN(Date.parse(d)), 'must be an ISO 8601 date')
    .optional(),
});
const CreateCommit = z.object({
  message: z.string(),
  tree: Sha,
  parents: z.array(Sha).optional(),
  author: Person.optional(),
  committer: Person.optional(),
});

const TreeItem = z.object({
  path: z.string().min(1),
  mode: z.enum(['100644', '100755', '040000']).optional(),
  type: z.enum(['blob', 'tree']).optional(),
  sha: Sha.nullable().optional(),
  content: z.string().optional(),
});
const CreateTree = z.object({ base_tree: Sha.optional(), tree: z.array(TreeItem) });

const CreateBlob = z.object({
  content: z.string(),
  encoding: z.enum(['utf-8', 'utf8', 'base64']).optional(),
});

/** git check-ref-format, roughly: "refs/<kind>/<name>" without forbidden sequences. */
function validRefName(ref: string): boolean {
  const control = [...ref].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
  return (
    !control &&
    /^refs\/[^/]+\/.+$/.test(ref) &&
    !/(\.\.|@\{|\/\/|[\s~^:?*[\\])/.test(ref) &&
    !/(^|\/)\./.test(ref) &&
    !/(\/|\.lock|\.)$/.test(ref)
  );
}

function validTreePath(path: string): boolean {
  return path
    .split('/')
    .every((part) => part !== '' && part !== '.' && part !== '..' && part !== '.git');
}

function requireCommit(repo: Repo, sha: string, message: string) {
  if (!repo.git.commit(sha)) throw unprocessable(message);
}

/** Applies one `tree` item of POST /git/trees to a flat file map. */
function applyTreeItem(repo: Repo, files: FlatTree, item: z.output<typeof TreeItem>): void {
  if (!validTreePath(item.path)) {
    throw unprocessable('tree.path contains a malformed path component');
  }
  if (item.sha !== undefined && item.content !== undefined) {
    throw unprocessable("tree.sha and tree.content can't both be given");
  }
  const type = item.type ?? (item.mode === '040000' ? 'tree' : 'blob');
  const mode = item.mode ?? (type === 'tree' ? '040000' : '100644');
  if ((type === 'tree') !== (mode === '040000')) {
    throw unprocessable(`tree.mode ${mode} does not match tree.type ${type}`);
  }
  // Whatever was at the path (file or directory), and any file where a parent directory goes.
  for (const existing of [...files.keys()]) {
    if (
      existing === item.path ||
      existing.startsWith(`${item.path}/`) ||
      item.path.startsWith(`${existing}/`)
    ) {
      files.delete(existing);
    }
  }
  if (item.sha === null) return;
  if (item.content !== undefined) {
    if (type !== 'blob') throw unprocessable('tree.content is only allowed for blobs');
    files.set(item.path, {
      mode: mode as FileMode,
      sha: repo.git.putBlob(Buffer.from(item.content)),
    });
  } else if (item.sha === undefined) {
    throw unprocessable('Must supply either tree.sha or tree.content');
  } else if (type === 'blob') {
    if (!repo.git.blob(item.sha)) throw unprocessable(`tree.sha ${item.sha} is not a valid blob`);
    files.set(item.path, { mode: mode as FileMode, sha: item.sha });
  } else {
    if (!repo.git.tree(item.sha)) throw unprocessable(`tree.sha ${item.sha} is not a valid tree`);
    for (const [path, leaf] of repo.git.flatten(item.sha)) files.set(`${item.path}/${path}`, leaf);
  }
}

/** Tree entries with their paths; recursive listings descend depth first, like GitHub. */
function listTree(
  repo: Repo,
  sha: string,
  recursive: boolean,
  prefix = '',
): (TreeEntry & { path: string })[] {
  return (repo.git.tree(sha) ?? []).flatMap((entry) => {
    const item = { ...entry, path: prefix + entry.name };
    return recursive && entry.type === 'tree'
      ? [item, ...listTree(repo, entry.sha, true, `${item.path}/`)]
      : [item];
  });
}

function person(given: z.output<typeof Person> | undefined, fallback: GitPerson): GitPerson {
  if (!given) return fallback;
  return {
    name: given.name,
    email: given.email,
    date: given.date ? isoSeconds(new Date(given.date)) : fallback.date,
  };
}

export const gitRoutes: Route[] = [
  repoRoute(
    'GET',
    `${GIT}/ref/{ref}`,
    'read',
    (ctx) => {
      const ref = `refs/${ctx.params.ref}`;
      const sha = ctx.repo.refs.get(ref);
      if (!sha) throw notFound();
      return ok(gitRef(ctx.shape, ref, sha));
    },
    'rest',
  ),

  repoRoute(
    'GET',
    `${GIT}/matching-refs/{ref}`,
    'read',
    (ctx) => {
      const prefix = `refs/${ctx.params.ref}`;
      const refs = [...ctx.repo.refs.entries()]
        .filter(([name]) => name.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : 1));
      return ok(refs.map(([name, sha]) => gitRef(ctx.shape, name, sha)));
    },
    'rest',
  ),

  repoRoute('POST', `${GIT}/refs`, 'write', (ctx) => {
    const input = parseInput(CreateRef, ctx.body, 'Reference');
    if (!validRefName(input.ref)) throw unprocessable('Reference name is invalid');
    requireCommit(ctx.repo, input.sha, 'Object does not exist');
    if (ctx.repo.refs.has(input.ref)) throw unprocessable('Reference already exists');
    ctx.repo.createRef(input.ref, input.sha);
    const body = gitRef(ctx.shape, input.ref, input.sha);
    return created(body, body.url);
  }),

  repoRoute(
    'PATCH',
    `${GIT}/refs/{ref}`,
    'write',
    (ctx) => {
      const input = parseInput(UpdateRef, ctx.body, 'Reference');
      const ref = `refs/${ctx.params.ref}`;
      requireCommit(ctx.repo, input.sha, 'Object does not exist');
      const result = ctx.repo.updateRef(ref, input.sha, input.force ?? false);
      if (result === 'missing-ref') throw unprocessable('Reference does not exist');
      if (result === 'not-fast-forward') throw unprocessable('Update is not a fast forward');
      return ok(gitRef(ctx.shape, ref, input.sha));
    },
    'rest',
  ),

  repoRoute(
    'DELETE',
    `${GIT}/refs/{ref}`,
    'write',
    (ctx) => {
      const ref = `refs/${ctx.params.ref}`;
      if (ref === `refs/heads/${ctx.repo.defaultBranch}`) {
        throw unprocessable('Cannot delete the default branch');
      }
      if (!ctx.repo.deleteRef(ref)) throw unprocessable('Reference does not exist');
      return noContent();
    },
    'rest',
  ),

  repoRoute('GET', `${GIT}/commits/{commit_sha}`, 'read', (ctx) => {
    const commit = ctx.repo.git.commit((ctx.params.commit_sha ?? '').toLowerCase());
    if (!commit) throw notFound();
    return ok(gitCommit(ctx.shape, commit));
  }),

  repoRoute('POST', `${GIT}/commits`, 'write', (ctx) => {
    const input = parseInput(CreateCommit, ctx.body, 'Commit');
    const { repo, viewer } = ctx;
    if (!repo.git.tree(input.tree)) throw unprocessable('Tree SHA does not exist');
    const parents = input.parents ?? [];
    for (const parent of parents) {
      requireCommit(repo, parent, 'Parent SHA does not exist or is not a commit object');
    }
    const defaultPerson = {
      name: viewer.name,
      email: noreplyEmail(viewer),
      date: ctx.store.seq.now(),
    };
    const author = person(input.author, defaultPerson);
    const commit = repo.git.putCommit({
      tree: input.tree,
      parents,
      message: input.message,
      author,
      committer: person(input.committer, author),
    });
    const body = gitCommit(ctx.shape, commit);
    return created(body, body.url);
  }),

  repoRoute('GET', `${GIT}/trees/{tree_sha}`, 'read', (ctx) => {
    const { repo } = ctx;
    const wanted = ctx.params.tree_sha ?? '';
    const sha = repo.git.tree(wanted.toLowerCase())
      ? wanted.toLowerCase()
      : repo.resolveCommit(wanted)?.tree;
    if (!sha) throw notFound();
    const recursive = ctx.url.searchParams.has('recursive');
    return ok(gitTree(ctx.shape, sha, listTree(repo, sha, recursive)));
  }),

  repoRoute('POST', `${GIT}/trees`, 'write', (ctx) => {
    const input = parseInput(CreateTree, ctx.body, 'Tree');
    const { repo } = ctx;
    if (input.base_tree !== undefined && !repo.git.tree(input.base_tree)) {
      throw unprocessable('base_tree is not a valid tree oid');
    }
    const files: FlatTree = input.base_tree ? repo.git.flatten(input.base_tree) : new Map();
    for (const item of input.tree) applyTreeItem(repo, files, item);
    const sha = repo.git.writeFlat(files);
    const body = gitTree(ctx.shape, sha, listTree(repo, sha, false));
    return created(body, body.url);
  }),

  repoRoute('GET', `${GIT}/blobs/{file_sha}`, 'read', (ctx) => {
    const sha = (ctx.params.file_sha ?? '').toLowerCase();
    const content = ctx.repo.git.blob(sha);
    if (!content) throw notFound();
    return ok(blob(ctx.shape, sha, content));
  }),

  repoRoute('POST', `${GIT}/blobs`, 'write', (ctx) => {
    const input = parseInput(CreateBlob, ctx.body, 'Blob');
    const base64 = input.encoding === 'base64';
    if (base64 && !/^[A-Za-z0-9+/=\s]*$/.test(input.content)) {
      throw unprocessable('content is not valid Base64');
    }
    const sha = ctx.repo.git.putBlob(Buffer.from(input.content, base64 ? 'base64' : 'utf8'));
    const body = shortBlob(ctx.shape, sha);
    return created(body, body.url);
  }),
];
