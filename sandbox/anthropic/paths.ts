/** Glob helpers for the simulated agents: where a writable glob lives, what it matches. */
import picomatch from 'picomatch/posix.js';

const MAGIC = /[*?[\]{}()!+@]/;

/** A glob without any glob syntax names one file (e.g. `README.md`). */
export function isLiteralGlob(glob: string): boolean {
  return !MAGIC.test(glob);
}

/** The directory a glob is rooted at: `api/**` → `api`, `README.md` → ``. */
export function globDir(glob: string): string {
  const parts = glob.split('/').filter((p) => p !== '' && p !== '.');
  const fixed: string[] = [];
  for (const part of parts) {
    if (MAGIC.test(part)) break;
    fixed.push(part);
  }
  if (fixed.length === parts.length) fixed.pop(); // a literal path: its directory
  return fixed.join('/');
}

/** The file extension a glob demands (`src/**\/*.tsx` → `.tsx`), if any. */
export function globExtension(glob: string): string | undefined {
  const ext = /\*\.([A-Za-z0-9]+)$/.exec(glob)?.[1];
  return ext === undefined ? undefined : `.${ext}`;
}

export function matchesGlob(path: string, glob: string): boolean {
  return picomatch(glob, { dot: true })(path);
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((g) => matchesGlob(path, g));
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}
