/**
 * Compiles scripts/ (and what it imports from common/) into a throwaway
 * project root, so tests can run `node <root>/dist/scripts/start.js` against
 * stub services without depending on a fresh `npm run build` of the whole tree.
 */
import { transformFile } from '@swc/core';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function compileScriptsInto(root: string): Promise<void> {
  const sources = (await readdir(join(REPO_ROOT, 'scripts')))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join('scripts', f));
  sources.push(join('common', 'search-attributes.ts'));
  for (const rel of sources) {
    const { code } = await transformFile(join(REPO_ROOT, rel), {
      swcrc: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    const out = join(root, 'dist', rel.replace(/\.ts$/, '.js'));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, code);
  }
  await writeFile(join(root, 'package.json'), '{ "type": "module" }\n');
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
}
