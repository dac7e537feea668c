/**
 * Search over a workspace's checkout with ripgrep: a regex, an optional glob
 * filter, case sensitivity. Hidden files are searched, `.git` never, symlinks
 * are not followed (nothing outside the checkout), `.gitignore` is honoured
 * (no `node_modules` noise). The output is bounded and says when it was cut.
 */
import { spawn } from 'node:child_process';
import { repoPath, resolveInside } from './editor.js';

export interface SearchInput {
  pattern: string;
  /** A glob like `*.js` or `api/**` (ripgrep's `--glob`). */
  glob?: string;
  /** Sub-directory or file to search (default: the whole checkout). */
  path?: string;
  /** Default false: smart case is not used, the model says what it wants. */
  case_insensitive?: boolean;
}

export type SearchResult =
  { ok: true; output: string; matches: number; truncated: boolean } | { ok: false; error: string };

export interface SearchOptions {
  /** Output bytes kept (default 20,000). */
  maxBytes?: number;
  /** ripgrep binary (default `rg` on the worker's PATH). */
  rg?: string;
}

export async function searchCheckout(
  checkout: string,
  input: SearchInput,
  opts: SearchOptions = {},
): Promise<SearchResult> {
  if (typeof input.pattern !== 'string' || input.pattern === '') {
    return { ok: false, error: 'pattern is required' };
  }
  const target = repoPath(input.path ?? '');
  if (!target.ok) return { ok: false, error: target.reason };
  if (input.glob !== undefined && (input.glob.startsWith('/') || input.glob.includes('..'))) {
    return { ok: false, error: 'glob must be relative, without ".."' };
  }
  const where = await resolveInside(checkout, target.path);
  if (!where.ok) return { ok: false, error: where.reason };
  const args = [
    '--line-number',
    '--with-filename',
    '--no-heading',
    '--color=never',
    '--hidden',
    '--no-require-git',
    '--max-columns=300',
    '--max-columns-preview',
    '--glob=!.git',
    '--glob=!.git/**',
    input.case_insensitive ? '--ignore-case' : '--case-sensitive',
    ...(input.glob ? [`--glob=${input.glob}`] : []),
    '--regexp',
    input.pattern,
    '--',
    target.path === '' ? '.' : target.path,
  ];
  const max = opts.maxBytes ?? 20_000;
  return new Promise((resolve) => {
    const rg = spawn(opts.rg ?? 'rg', args, {
      cwd: checkout,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let truncated = false;
    let stderr = '';
    rg.stdout.on('data', (b: Buffer) => {
      if (truncated) return;
      chunks.push(b);
      bytes += b.length;
      if (bytes > max) {
        truncated = true;
        rg.kill('SIGKILL');
      }
    });
    rg.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 4000) stderr += b.toString('utf8');
    });
    rg.once('error', (err) => resolve({ ok: false, error: `ripgrep failed: ${err.message}` }));
    rg.once('close', (code) => {
      let text = Buffer.concat(chunks).toString('utf8');
      if (truncated) text = text.slice(0, text.lastIndexOf('\n', max) + 1);
      const lines = text.split('\n').filter((l) => l !== '');
      const output = lines.map((l) => (l.startsWith('./') ? l.slice(2) : l)).join('\n');
      if (truncated) {
        resolve({
          ok: true,
          output: `${output}\n[search output cut at ${max} bytes: narrow the pattern, or add a glob or a path]`,
          matches: lines.length,
          truncated,
        });
      } else if (code === 0) resolve({ ok: true, output, matches: lines.length, truncated });
      else if (code === 1) {
        resolve({ ok: true, output: 'No matches.', matches: 0, truncated: false });
      } else resolve({ ok: false, error: stderr.trim() || `ripgrep exited ${code}` });
    });
  });
}
