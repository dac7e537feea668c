/**
 * File-level differences between two trees, with line counts and unified
 * patches like GitHub's "files" lists (computed by `diff`, the jsdiff library).
 */
import { formatPatch, OMIT_HEADERS, structuredPatch } from 'diff';
import type { FileLeaf, GitStore } from './git-store.js';

export type ChangeStatus = 'added' | 'modified' | 'removed';

export interface FileChange {
  path: string;
  status: ChangeStatus;
  /** Blob sha after the change (before it, for removals). */
  sha: string;
  additions: number;
  deletions: number;
  /** The hunks, as GitHub's `patch` field has them; absent for a binary file. */
  patch?: string;
  /** The change as `git diff` prints it: `diff --git` header, extended headers, hunks. */
  gitDiff: string;
}

function isBinary(content: Buffer): boolean {
  return content.includes(0);
}

function text(git: GitStore, leaf: FileLeaf | undefined): Buffer {
  return (leaf && git.blob(leaf.sha)) ?? Buffer.alloc(0);
}

function fileChange(
  git: GitStore,
  path: string,
  old: FileLeaf | undefined,
  now: FileLeaf | undefined,
): FileChange {
  const status: ChangeStatus = !old ? 'added' : !now ? 'removed' : 'modified';
  const sha = (now ?? old)?.sha as string;
  const before = text(git, old);
  const after = text(git, now);
  const header = {
    isGit: true,
    isCreate: !old,
    isDelete: !now,
    ...(!old ? { newMode: now?.mode } : {}),
    ...(!now ? { oldMode: old?.mode } : {}),
    ...(old && now && old.mode !== now.mode ? { oldMode: old.mode, newMode: now.mode } : {}),
  };
  if (isBinary(before) || isBinary(after)) {
    const gitDiff = `${formatPatch({ ...structuredPatch(`a/${path}`, `b/${path}`, '', ''), ...header })}Binary files differ\n`;
    return { path, status, sha, additions: 0, deletions: 0, gitDiff };
  }
  const plain = structuredPatch(
    old ? `a/${path}` : '/dev/null',
    now ? `b/${path}` : '/dev/null',
    before.toString('utf8'),
    after.toString('utf8'),
    '',
    '',
  );
  const lines = plain.hunks.flatMap((h) => h.lines);
  return {
    path,
    status,
    sha,
    additions: lines.filter((l) => l.startsWith('+')).length,
    deletions: lines.filter((l) => l.startsWith('-')).length,
    ...(plain.hunks.length > 0
      ? { patch: formatPatch(plain, OMIT_HEADERS).replace(/\n$/, '') }
      : {}),
    gitDiff: formatPatch({ ...plain, ...header }),
  };
}

export function diffTrees(
  git: GitStore,
  beforeTree: string | undefined,
  afterTree: string,
): FileChange[] {
  const before = beforeTree ? git.flatten(beforeTree) : new Map<string, FileLeaf>();
  const after = git.flatten(afterTree);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: FileChange[] = [];
  for (const path of paths) {
    const old = before.get(path);
    const now = after.get(path);
    if (old?.sha === now?.sha && old?.mode === now?.mode) continue;
    changes.push(fileChange(git, path, old, now));
  }
  return changes;
}

/** Changes between two commits' trees (the first may be absent: everything is added). */
export function diffCommits(git: GitStore, base: string | undefined, head: string): FileChange[] {
  const treeOf = (sha: string | undefined) => (sha ? git.commit(sha)?.tree : undefined);
  return diffTrees(git, treeOf(base), treeOf(head) as string);
}
