/**
 * `npm run train:analyzer` (the built script, as a user runs it) on the data
 * committed in data/ writes exactly the committed weights: the repository can
 * rebuild its own classifier, and the weights are not stale.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { makeTempDir } from '../support/tmp.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir('blogtube-train-')));
afterEach(async () => cleanup());

it('retrains byte-identical weights from data/issues-nlbse24-train.jsonl', async () => {
  const out = join(dir, 'weights.json');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [resolve(REPO_ROOT, 'dist/scripts/train-analyzer.js'), '--out', out],
    { cwd: REPO_ROOT },
  );
  expect(stdout).toContain('1500 issues from data/issues-nlbse24-train.jsonl');
  const committed = join(REPO_ROOT, 'activities/analysis/issue-type-weights.json');
  expect(await readFile(out, 'utf8')).toBe(await readFile(committed, 'utf8'));
});
