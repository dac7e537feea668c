/**
 * Compiles the `npm start` launcher (scripts/ and what it imports from common/) into a throwaway
 * project root, so tests can run `node <root>/dist/scripts/start.js` against
 * stub services without depending on a fresh `npm run build` of the whole tree.
 */
import { transformFile } from '@swc/core';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function compileScriptsInto(root: string): Promise<void> {
  const sources = [
    ...[
      'start',
      'start-plan',
      'supervisor',
      'restart-policy',
      'dev-server',
      'temporal-cli',
      'go-install',
      'proc',
      'net',
      'lines',
    ].map((name) => join('scripts', `${name}.ts`)),
    join('common', 'search-attributes.ts'),
  ];
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
