/** File-level differences between two trees, with line counts like GitHub's "files" lists. */
import type { GitStore } from './git-store.js';

export type ChangeStatus = 'added' | 'modified' | 'removed';

export interface FileChange {
  path: string;
  status: ChangeStatus;
  /** Blob sha after the change (before it, for removals). */
  sha: string;
  additions: number;
  deletions: number;
}

function lines(content: Buffer | undefined): string[] {
  if (!content || content.length === 0) return [];
  return content.toString('utf8').replace(/\n$/, '').split('\n');
}

/** Lines only in `after` count as additions, lines only in `before` as deletions (multiset). */
function lineStats(before: string[], after: string[]): { additions: number; deletions: number } {
  const pool = new Map<string, number>();
  for (const line of before) pool.set(line, (pool.get(line) ?? 0) + 1);
  let additions = 0;
  for (const line of after) {
    const left = pool.get(line) ?? 0;
    if (left > 0) pool.set(line, left - 1);
    else additions += 1;
  }
  const deletions = [...pool.values()].reduce((sum, n) => sum + n, 0);
  return { additions, deletions };
}

export function diffTrees(
  git: GitStore,
  beforeTree: string | undefined,
  afterTree: string,
): FileChange[] {
  const before = beforeTree ? git.flatten(beforeTree) : new Map();
  const after = git.flatten(afterTree);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: FileChange[] = [];
  for (const path of paths) {
    const old = before.get(path);
    const now = after.get(path);
    if (old?.sha === now?.sha && old?.mode === now?.mode) continue;
    const status: ChangeStatus = !old ? 'added' : !now ? 'removed' : 'modified';
    const stats = lineStats(
      lines(old ? git.blob(old.sha) : undefined),
      lines(now ? git.blob(now.sha) : undefined),
    );
    changes.push({ path, status, sha: (now ?? old)?.sha as string, ...stats });
  }
  return changes;
}
