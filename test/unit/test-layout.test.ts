/**
 * Every test file runs in exactly one Jest project (jest.config.js): a test
 * folder missing from the lists would never run, one in two lists would run twice.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';

/** jest.config.js's folder lists (plain JavaScript, hence the cast). */
const CONFIG = '../../jest.config.js';
const { UNIT, PROCESSES, INTEGRATION } = (await import(CONFIG)) as Record<
  'UNIT' | 'PROCESSES' | 'INTEGRATION',
  string[]
>;

it('each folder of tests under test/ belongs to one project', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const withTests = readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => e.parentPath.slice(root.length).split('/')[0]);
  const folders = [...new Set(withTests)].sort();
  const listed = [...UNIT, ...PROCESSES, ...INTEGRATION];
  expect(folders).toEqual([...new Set(listed)].sort());
  expect(listed).toHaveLength(new Set(listed).size);
});
