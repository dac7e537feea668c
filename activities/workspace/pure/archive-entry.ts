/**
 * Which entries of a repository archive may be extracted. Pure: the checkout
 * (../checkout.ts) asks it for every entry before node-tar writes anything.
 * Files and directories only, plus symbolic links whose target stays inside
 * the tree; never hard links, devices, FIFOs, absolute paths or `..`.
 */
import { posix } from 'node:path';

export type EntryVerdict = { ok: true } | { ok: false; reason: string };

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink']);

/** `path` after node-tar's `strip` (the archive's top folder gone), relative to the tree. */
export function checkArchiveEntry(path: string, type: string, linkpath?: string): EntryVerdict {
  if (!ALLOWED_TYPES.has(type)) return { ok: false, reason: `${type} entries are not extracted` };
  if (path.startsWith('/') || path.split('/').includes('..')) {
    return { ok: false, reason: 'path leaves the tree' };
  }
  if (path.split('/').some((p) => p.toLowerCase() === '.git')) {
    return { ok: false, reason: '.git is not extracted' };
  }
  if (type !== 'SymbolicLink') return { ok: true };
  if (!linkpath || linkpath.startsWith('/')) return { ok: false, reason: 'absolute link target' };
  const target = posix.normalize(posix.join(posix.dirname(path), linkpath));
  if (target === '..' || target.startsWith('../')) {
    return { ok: false, reason: 'link target leaves the tree' };
  }
  return { ok: true };
}
