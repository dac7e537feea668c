/**
 * Where the committed issue-type weights (issue-type-weights.json) are. Run
 * from source the file sits next to this module; run from dist/ (or a worker
 * bundle in dist/workers/) it is found in the project's activities/analysis/
 * folder. Apart from the classifier, so a worker checks the file at start
 * without loading the classifier's code.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CANDIDATES = [
  new URL('./issue-type-weights.json', import.meta.url),
  new URL('../../../activities/analysis/issue-type-weights.json', import.meta.url),
  new URL('../../activities/analysis/issue-type-weights.json', import.meta.url),
];

/** Path of the model file this process loads. */
export function issueTypeModelPath(): string {
  const found = CANDIDATES.find((u) => existsSync(u));
  if (!found) {
    throw new Error(
      `issue-type model not found (looked for ${CANDIDATES.map((u) => fileURLToPath(u)).join(', ')}); ` +
        'run `npm run train:analyzer`',
    );
  }
  return fileURLToPath(found);
}
