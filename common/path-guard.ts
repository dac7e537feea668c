/**
 * The one gate every agent write goes through. Pure: used by the agent
 * workflow (to refuse before any I/O) and again by the write activity.
 */
import picomatch from 'picomatch/posix.js';
import { ALWAYS_PROTECTED } from './repo-rules.js';

export interface WriteRules {
  /** Globs the agent may write inside. */
  allowed: readonly string[];
  /** Globs nobody may write (the config's protected paths). */
  protectedPaths: readonly string[];
  maxFileBytes: number;
  maxFiles: number;
  /** Bytes one agent may write in all (its staged files together); default MAX_AGENT_BYTES. */
  maxTotalBytes?: number;
  /** The config's `allow_lifecycle_scripts` (absent: refused). */
  allowLifecycleScripts?: boolean;
}

/** What an agent has staged so far: a path, or a path with its size in bytes. */
export type Staged = string | { path: string; bytes: number };

/**
 * Default cap on everything one agent writes: its files travel in its
 * conversation, which is part of every model-call payload (Temporal refuses
 * payloads over 2 MB).
 */
export const MAX_AGENT_BYTES = 1024 * 1024;

export type GuardVerdict = { ok: true; path: string } | { ok: false; reason: string };

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const MAX_PATH_LENGTH = 300;

/** Normalise a repository-relative path, or explain why it is not one. */
export function normalizeRepoPath(raw: unknown): GuardVerdict {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'path is empty' };
  if (raw.length > MAX_PATH_LENGTH) return { ok: false, reason: 'path is too long' };
  if (CONTROL_CHARS.test(raw)) return { ok: false, reason: 'path contains control characters' };
  if (raw.includes('\\')) return { ok: false, reason: 'path contains a backslash' };
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) {
    return { ok: false, reason: 'absolute paths are not allowed' };
  }
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return { ok: false, reason: 'path is empty' };
  if (parts.includes('..')) return { ok: false, reason: '".." is not allowed' };
  if (parts.some((p) => p.toLowerCase() === '.git')) {
    return { ok: false, reason: '.git internals are off limits' };
  }
  return { ok: true, path: parts.join('/') };
}

/**
 * Does `path` fall under one of `globs`? For writing, `dir/**` covers what is
 * inside `dir`, not `dir` itself; for protection it covers `dir` too.
 */
function matchesAny(path: string, globs: readonly string[], includeDir: boolean): boolean {
  // Protection ignores case (`.GitHub/Workflows/x.yml` is refused too: a
  // case-insensitive checkout would put it in `.github/workflows`).
  const nocase = includeDir;
  return globs.some((g) => {
    const dir = g.endsWith('/**') ? g.slice(0, -3) : undefined;
    if (dir !== undefined && (nocase ? path.toLowerCase() === dir.toLowerCase() : path === dir)) {
      return includeDir;
    }
    return picomatch(g, { dot: true, nocase })(path);
  });
}

/**
 * May this agent write `content` to `raw`, having already staged `staged`?
 * Limits: bytes per file, files per agent, and bytes per agent (counted when
 * the staged entries carry their sizes; rewriting a staged path replaces it).
 */
export function checkWrite(
  raw: unknown,
  content: unknown,
  rules: WriteRules,
  staged: readonly Staged[],
): GuardVerdict {
  const norm = normalizeRepoPath(raw);
  if (!norm.ok) return norm;
  const path = norm.path;
  if (matchesAny(path, [...ALWAYS_PROTECTED, ...rules.protectedPaths], true)) {
    return { ok: false, reason: `${path} is protected` };
  }
  if (!matchesAny(path, rules.allowed, false)) {
    return {
      ok: false,
      reason: `${path} is outside this agent's paths (${rules.allowed.join(', ')})`,
    };
  }
  if (typeof content !== 'string') return { ok: false, reason: 'content must be a string' };
  if (content.includes('\u0000')) return { ok: false, reason: 'content contains NUL bytes' };
  const bytes = utf8Length(content);
  if (bytes > rules.maxFileBytes) {
    return { ok: false, reason: `content is ${bytes} bytes, over the ${rules.maxFileBytes} limit` };
  }
  const entries = staged.map((s) => (typeof s === 'string' ? { path: s, bytes: 0 } : s));
  const others = entries.filter((e) => e.path !== path);
  if (others.length === entries.length && entries.length >= rules.maxFiles) {
    return { ok: false, reason: `an agent may write at most ${rules.maxFiles} files` };
  }
  const maxTotal = rules.maxTotalBytes ?? MAX_AGENT_BYTES;
  const total = others.reduce((n, e) => n + e.bytes, 0) + bytes;
  if (total > maxTotal) {
    return {
      ok: false,
      reason: `this agent's files would total ${total} bytes, over the ${maxTotal} limit`,
    };
  }
  return { ok: true, path };
}

/** Reads are limited to the repository; same normalisation, no area check. */
export function checkRead(raw: unknown): GuardVerdict {
  if (raw === '' || raw === '.' || raw === undefined) return { ok: true, path: '' };
  return normalizeRepoPath(raw);
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** npm's lifecycle events (run by `npm install`, `npm ci`, `npm publish`, …). */
const LIFECYCLE_EVENTS = new Set([
  'install',
  'uninstall',
  'prepare',
  'prepublish',
  'prepublishOnly',
  'prepack',
  'pack',
  'publish',
  'version',
  'shrinkwrap',
  'dependencies',
]);
/** Scripts whose `pre` and `post` hooks npm runs even when the script itself is absent. */
const HOOKED = new Set([...LIFECYCLE_EVENTS, 'test', 'start', 'stop', 'restart']);

function scriptsOf(text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return {};
  }
  const scripts = (doc as { scripts?: unknown } | null)?.scripts;
  if (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(scripts)) out[k] = JSON.stringify(v);
  return out;
}

/**
 * Is `name` a script npm or pnpm runs by itself: a lifecycle event
 * (`preinstall`, `postinstall`, `prepare`, …), a `pre`/`post` hook of another
 * script (`pretest` when there is a `test`), or a pnpm hook (`pnpm:devPreinstall`)?
 */
export function isLifecycleScript(name: string, scriptNames: ReadonlySet<string>): boolean {
  if (name.startsWith('pnpm:')) return true;
  if (LIFECYCLE_EVENTS.has(name)) return true;
  for (const prefix of ['pre', 'post']) {
    if (!name.startsWith(prefix)) continue;
    const base = name.slice(prefix.length);
    if (HOOKED.has(base) || scriptNames.has(base)) return true;
  }
  return false;
}

/**
 * The lifecycle scripts an edit of a `package.json` adds or changes (removing
 * one is allowed). `before` is the file at the base commit (undefined: new).
 */
export function lifecycleScriptChanges(before: string | undefined, after: string): string[] {
  const old = scriptsOf(before);
  const now = scriptsOf(after);
  const names = new Set([...Object.keys(old), ...Object.keys(now)]);
  return Object.keys(now)
    .filter((k) => isLifecycleScript(k, names) && old[k] !== now[k])
    .sort();
}

export function isPackageJson(path: string): boolean {
  return (path.split('/').pop() ?? '').toLowerCase() === 'package.json';
}

/**
 * The second half of the write check, where the file's content at the base
 * commit is known (the write activity): a `package.json` edit that adds or
 * changes a lifecycle script is refused unless the config allows it.
 */
export function checkLifecycleScripts(
  path: string,
  before: string | undefined,
  after: string,
  rules: Pick<WriteRules, 'allowLifecycleScripts'>,
): GuardVerdict {
  if (!isPackageJson(path) || rules.allowLifecycleScripts === true) return { ok: true, path };
  const changed = lifecycleScriptChanges(before, after);
  if (changed.length === 0) return { ok: true, path };
  return {
    ok: false,
    reason: `${path}: lifecycle scripts are protected (${changed.join(', ')} added or changed; the repository config's allow_lifecycle_scripts is off)`,
  };
}
