/**
 * Content-addressed git object model: blobs, trees and commits hashed exactly
 * as git hashes them (sha1 of "<type> <size>\0<body>").
 */
import { createHash } from 'node:crypto';

export type FileMode = '100644' | '100755';
const TREE_MODE = '040000';

export interface TreeEntry {
  name: string;
  mode: FileMode | typeof TREE_MODE;
  type: 'blob' | 'tree';
  sha: string;
}

/** A file in a flattened tree: path → mode and blob sha. */
export interface FileLeaf {
  mode: FileMode;
  sha: string;
}
export type FlatTree = Map<string, FileLeaf>;

export interface GitPerson {
  name: string;
  email: string;
  /** ISO 8601, UTC, seconds precision. */
  date: string;
}

export interface CommitObject {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: GitPerson;
  committer: GitPerson;
}

export type PathLookup =
  { type: 'tree'; sha: string } | { type: 'blob'; sha: string; mode: FileMode };

interface DirNode {
  dirs: Map<string, DirNode>;
  files: Map<string, FileLeaf>;
}

function hashObject(type: string, body: Buffer): string {
  const header = Buffer.from(`${type} ${body.length}\0`);
  return createHash('sha1').update(header).update(body).digest('hex');
}

/** Git orders tree entries by name, comparing directories as if named "<name>/". */
function gitEntryKey(entry: TreeEntry): Buffer {
  return Buffer.from(entry.type === 'tree' ? `${entry.name}/` : entry.name);
}

function personLine(role: string, p: GitPerson): string {
  return `${role} ${p.name} <${p.email}> ${Math.floor(Date.parse(p.date) / 1000)} +0000`;
}

export class GitStore {
  private readonly blobs = new Map<string, Buffer>();
  private readonly trees = new Map<string, TreeEntry[]>();
  private readonly commits = new Map<string, CommitObject>();

  putBlob(content: Buffer): string {
    const sha = hashObject('blob', content);
    this.blobs.set(sha, content);
    return sha;
  }

  putTree(entries: TreeEntry[]): string {
    const sorted = [...entries].sort((a, b) => Buffer.compare(gitEntryKey(a), gitEntryKey(b)));
    const body = Buffer.concat(
      sorted.flatMap((e) => [
        Buffer.from(`${e.type === 'tree' ? '40000' : e.mode} ${e.name}\0`),
        Buffer.from(e.sha, 'hex'),
      ]),
    );
    const sha = hashObject('tree', body);
    this.trees.set(sha, sorted);
    return sha;
  }

  putCommit(commit: Omit<CommitObject, 'sha'>): CommitObject {
    const lines = [
      `tree ${commit.tree}`,
      ...commit.parents.map((p) => `parent ${p}`),
      personLine('author', commit.author),
      personLine('committer', commit.committer),
    ];
    const sha = hashObject('commit', Buffer.from(`${lines.join('\n')}\n\n${commit.message}`));
    const stored = this.commits.get(sha) ?? { sha, ...commit };
    this.commits.set(sha, stored);
    return stored;
  }

  blob(sha: string): Buffer | undefined {
    return this.blobs.get(sha);
  }

  tree(sha: string): TreeEntry[] | undefined {
    return this.trees.get(sha);
  }

  commit(sha: string): CommitObject | undefined {
    return this.commits.get(sha);
  }

  /** Every commit, in creation order. */
  allCommits(): CommitObject[] {
    return [...this.commits.values()];
  }

  /** Resolves a full sha or a unique prefix (at least 4 hex digits) to a commit. */
  findCommit(shaOrPrefix: string): CommitObject | undefined {
    const exact = this.commits.get(shaOrPrefix);
    if (exact || !/^[0-9a-f]{4,39}$/.test(shaOrPrefix)) return exact;
    const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(shaOrPrefix));
    return matches.length === 1 ? this.commits.get(matches[0] as string) : undefined;
  }

  lookupPath(treeSha: string, path: string): PathLookup | undefined {
    let current: PathLookup = { type: 'tree', sha: treeSha };
    for (const name of path.split('/').filter((s) => s !== '')) {
      if (current.type !== 'tree') return undefined;
      const entry: TreeEntry | undefined = this.trees
        .get(current.sha)
        ?.find((e) => e.name === name);
      if (!entry) return undefined;
      current =
        entry.type === 'tree'
          ? { type: 'tree', sha: entry.sha }
          : { type: 'blob', sha: entry.sha, mode: entry.mode as FileMode };
    }
    return current;
  }

  /** All files under a tree, keyed by full path. */
  flatten(treeSha: string, prefix = '', into: FlatTree = new Map()): FlatTree {
    for (const entry of this.trees.get(treeSha) ?? []) {
      const path = prefix + entry.name;
      if (entry.type === 'tree') this.flatten(entry.sha, `${path}/`, into);
      else into.set(path, { mode: entry.mode as FileMode, sha: entry.sha });
    }
    return into;
  }

  /** Writes the nested trees for a flat file map and returns the root tree sha. */
  writeFlat(files: FlatTree): string {
    const root: DirNode = { dirs: new Map(), files: new Map() };
    for (const [path, leaf] of files) {
      const parts = path.split('/');
      const fileName = parts.pop() as string;
      let dir = root;
      for (const part of parts) {
        let child = dir.dirs.get(part);
        if (!child) {
          child = { dirs: new Map(), files: new Map() };
          dir.dirs.set(part, child);
        }
        dir = child;
      }
      dir.files.set(fileName, leaf);
    }
    return this.writeDir(root);
  }

  private writeDir(dir: DirNode): string {
    const entries: TreeEntry[] = [];
    for (const [name, child] of dir.dirs) {
      entries.push({ name, mode: TREE_MODE, type: 'tree', sha: this.writeDir(child) });
    }
    for (const [name, leaf] of dir.files) {
      entries.push({ name, mode: leaf.mode, type: 'blob', sha: leaf.sha });
    }
    return this.putTree(entries);
  }

  /** Commits reachable from `sha` (itself included), breadth first. */
  ancestry(sha: string): CommitObject[] {
    const seen = new Set<string>();
    const out: CommitObject[] = [];
    const queue = [sha];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const commit = this.commits.get(next);
      if (!commit || seen.has(next)) continue;
      seen.add(next);
      out.push(commit);
      queue.push(...commit.parents);
    }
    return out;
  }

  isAncestor(ancestor: string, descendant: string): boolean {
    return this.ancestry(descendant).some((c) => c.sha === ancestor);
  }

  /** The nearest common ancestor of two commits, if any. */
  mergeBase(a: string, b: string): string | undefined {
    const ofA = new Set(this.ancestry(a).map((c) => c.sha));
    return this.ancestry(b).find((c) => ofA.has(c.sha))?.sha;
  }

  /** Commits reachable from `head` but not from `base`. */
  commitsAhead(base: string, head: string): CommitObject[] {
    const ofBase = new Set(this.ancestry(base).map((c) => c.sha));
    return this.ancestry(head).filter((c) => !ofBase.has(c.sha));
  }

  firstParentLog(sha: string): CommitObject[] {
    const out: CommitObject[] = [];
    for (
      let c = this.commits.get(sha);
      c;
      c = c.parents[0] ? this.commits.get(c.parents[0]) : undefined
    ) {
      out.push(c);
    }
    return out;
  }
}
