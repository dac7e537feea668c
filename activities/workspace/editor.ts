/**
 * Anthropic's text editor tool (`text_editor_20250728`, named
 * `str_replace_based_edit_tool`) over a workspace's checkout: `view`,
 * `create`, `str_replace`, `insert`. Every write passes the project's path
 * guard (the agent's areas, the protected paths, the size limits); `view` may
 * read anything in the checkout but `.git`. Paths that leave the checkout are
 * refused: `..`, absolute paths outside `/workspace`, and symbolic links (a
 * command may plant one) whose target is outside. Each write returns a
 * RecordedEdit; `replayEdits` rebuilds a checkout from them.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, readdir, realpath } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { checkRead, checkWrite, type Staged, type WriteRules } from '../../common/path-guard.js';
import {
  applyEdit,
  contentHash,
  numberedView,
  type EditOp,
  type RecordedEdit,
} from './pure/edits.js';
import { capOutput } from './pure/output.js';
import { SANDBOX_PATHS } from './pure/sandbox-plan.js';

export const EDITOR_TOOL = { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' };

/** The tool's input, as the model sends it. */
export interface EditorInput {
  command: string;
  path?: string;
  view_range?: [number, number];
  file_text?: string;
  old_str?: string;
  new_str?: string;
  insert_line?: number;
  insert_text?: string;
  max_characters?: number;
}

export type EditorResult =
  { ok: true; output: string; edit?: RecordedEdit } | { ok: false; error: string };

export interface EditorContext {
  /** Host path of the checkout. */
  checkout: string;
  rules: WriteRules;
  /** What this agent has written so far (path and bytes), for the guard's totals. */
  staged: readonly Staged[];
  /** Called on every file or directory the editor creates (hands it to the sandbox user). */
  own?: (path: string) => Promise<void>;
  /** Largest view output, characters (default 16,000). */
  maxViewChars?: number;
}

const fail = (error: string): EditorResult => ({ ok: false, error });

/** A model's path (relative, or absolute under `/workspace`) as a repository path. */
export function repoPath(raw: unknown): { ok: true; path: string } | { ok: false; reason: string } {
  if (typeof raw !== 'string') return { ok: false, reason: 'path is required' };
  const root = SANDBOX_PATHS.checkout;
  let p = raw;
  if (p === root || p === `${root}/`) p = '';
  else if (p.startsWith(`${root}/`)) p = p.slice(root.length + 1);
  else if (p.startsWith('/')) {
    return { ok: false, reason: `absolute paths must be inside ${root} (the checkout)` };
  }
  return checkRead(p);
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/**
 * Host path of `rel` if it resolves inside the checkout (symlinks followed),
 * for an existing path or for the nearest existing parent of a new one.
 */
export async function resolveInside(
  checkout: string,
  rel: string,
): Promise<{ ok: true; host: string } | { ok: false; reason: string }> {
  const root = await realpath(checkout);
  const host = join(checkout, rel);
  let probe = host;
  for (;;) {
    const real = await realpath(probe).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (real !== undefined) {
      if (!inside(root, real)) {
        return { ok: false, reason: `${rel || '.'} resolves outside the checkout (a symlink)` };
      }
      if (/(^|\/)\.git(\/|$)/i.test(relative(root, real))) {
        return { ok: false, reason: '.git internals are off limits' };
      }
      return { ok: true, host };
    }
    const up = dirname(probe);
    if (up === probe || !inside(checkout, up)) return { ok: true, host };
    // A dangling symlink is still a symlink: refuse it.
    const st = await lstat(probe).catch(() => undefined);
    if (st?.isSymbolicLink()) return { ok: false, reason: `${rel} is a dangling symlink` };
    probe = up;
  }
}

async function readText(host: string): Promise<string | undefined> {
  return readFile(host, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

/** Writes without following a final symlink; parents are created (and owned). */
async function writeText(ctx: EditorContext, rel: string, text: string): Promise<void> {
  const host = join(ctx.checkout, rel);
  const parts = rel.split('/').slice(0, -1);
  let dir = ctx.checkout;
  for (const part of parts) {
    dir = join(dir, part);
    const st = await lstat(dir).catch(() => undefined);
    if (!st) {
      await mkdir(dir);
      await ctx.own?.(dir);
    } else if (!st.isDirectory())
      throw new Error(`${relative(ctx.checkout, dir)} is not a directory`);
  }
  const fh = await open(
    host,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
  await ctx.own?.(host);
}

/** Two levels of non-hidden entries under `host`, directories marked with `/`. */
async function listDir(host: string, rel: string): Promise<string> {
  const out: string[] = [`${rel || '.'}/`];
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => !e.name.startsWith('.') && e.name !== 'node_modules')
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      out.push(`${path}${e.isDirectory() ? '/' : ''}`);
      if (e.isDirectory() && depth < 2) await walk(join(dir, e.name), path, depth + 1);
    }
  };
  await walk(host, rel, 1);
  return out.join('\n');
}

async function view(ctx: EditorContext, input: EditorInput, rel: string): Promise<EditorResult> {
  const where = await resolveInside(ctx.checkout, rel);
  if (!where.ok) return fail(where.reason);
  const st = await lstat(where.host).catch(() => undefined);
  if (!st && rel !== '') return fail(`${rel} does not exist`);
  const max = Math.min(input.max_characters ?? Infinity, ctx.maxViewChars ?? 16_000);
  const clip = (text: string): string => {
    const capped = capOutput(text, Math.max(2, max));
    return capped.truncated ? `${capped.text}\n<response clipped>` : capped.text;
  };
  const real = await realpath(where.host);
  const target = await lstat(real);
  if (target.isDirectory()) {
    if (input.view_range) return fail('view_range applies to files, not directories');
    return { ok: true, output: clip(await listDir(real, rel)) };
  }
  const text = (await readText(real)) ?? '';
  if (text.includes('\u0000')) return fail(`${rel} is a binary file`);
  const shown = numberedView(text, input.view_range);
  return shown.ok ? { ok: true, output: clip(shown.text) } : fail(shown.error);
}

/** The edit an editor call asks for, or why it is malformed. */
export function operation(input: EditorInput, path: string): EditOp | string {
  switch (input.command) {
    case 'create':
      if (typeof input.file_text !== 'string') return 'create needs file_text';
      return { command: 'create', path, file_text: input.file_text };
    case 'str_replace':
      if (typeof input.old_str !== 'string') return 'str_replace needs old_str';
      return { command: 'str_replace', path, old_str: input.old_str, new_str: input.new_str ?? '' };
    case 'insert': {
      const text = input.insert_text ?? input.new_str; // new_str: older clients' spelling
      if (typeof text !== 'string') return 'insert needs insert_text';
      if (typeof input.insert_line !== 'number') return 'insert needs insert_line';
      return { command: 'insert', path, insert_line: input.insert_line, insert_text: text };
    }
    default:
      return `unknown command ${JSON.stringify(input.command)} (view, create, str_replace, insert)`;
  }
}

/** Applies one edit to the checkout after the guards; the record to keep, or the error. */
async function edit(ctx: EditorContext, op: EditOp): Promise<EditorResult> {
  const where = await resolveInside(ctx.checkout, op.path);
  if (!where.ok) return fail(where.reason);
  const st = await lstat(where.host).catch(() => undefined);
  if (st?.isSymbolicLink()) return fail(`${op.path} is a symlink; edit the file it points to`);
  if (st?.isDirectory()) return fail(`${op.path} is a directory`);
  const current = st ? await readText(where.host) : undefined;
  const applied = applyEdit(current, op);
  if (!applied.ok) return fail(applied.error);
  const verdict = checkWrite(op.path, applied.text, ctx.rules, ctx.staged);
  if (!verdict.ok) return fail(`Refused: ${verdict.reason}`);
  await writeText(ctx, op.path, applied.text);
  const edit: RecordedEdit = {
    op,
    after: contentHash(applied.text),
    bytes: Buffer.byteLength(applied.text),
  };
  const what =
    op.command === 'create'
      ? `File created: ${op.path}`
      : `The file ${op.path} has been edited (${op.command}).`;
  return { ok: true, output: what, edit };
}

/** Runs one call of the editor tool. */
export async function runEditor(ctx: EditorContext, input: EditorInput): Promise<EditorResult> {
  const norm = repoPath(input.path);
  if (!norm.ok) return fail(norm.reason);
  if (input.command === 'view') return view(ctx, input, norm.path);
  if (norm.path === '') return fail(`${input.command} needs a file path`);
  const op = operation(input, norm.path);
  return typeof op === 'string' ? fail(op) : edit(ctx, op);
}

/**
 * Re-applies recorded edits, in order, to a fresh checkout of the branch head:
 * the workspace as the agent left it. Throws if an edit no longer applies or
 * lands differently (the head moved under it).
 */
export async function replayEdits(
  checkout: string,
  edits: readonly RecordedEdit[],
  own?: (path: string) => Promise<void>,
): Promise<void> {
  const ctx: EditorContext = {
    checkout,
    rules: { allowed: ['**'], protectedPaths: [], maxFileBytes: Infinity, maxFiles: Infinity },
    staged: [],
    own,
  };
  for (const [i, e] of edits.entries()) {
    const where = await resolveInside(checkout, e.op.path);
    if (!where.ok) throw new Error(`edit ${i + 1} (${e.op.path}): ${where.reason}`);
    const applied = applyEdit(await readText(where.host), e.op);
    if (!applied.ok) throw new Error(`edit ${i + 1} (${e.op.path}): ${applied.error}`);
    if (contentHash(applied.text) !== e.after) {
      throw new Error(`edit ${i + 1} (${e.op.path}) landed differently than recorded`);
    }
    await writeText(ctx, e.op.path, applied.text);
  }
}
