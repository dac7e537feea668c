/**
 * Reads the committed issue-type weights (issue-type-weights.json) once per
 * process and caches the classifier. Run from source the file sits next to this
 * module; run from dist/ it is found in the project's activities/analysis/ folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createIssueTypeClassifier, type IssueTypeClassifier } from './pure/issue-type.js';

const CANDIDATES = [
  new URL('./issue-type-weights.json', import.meta.url),
  new URL('../../../activities/analysis/issue-type-weights.json', import.meta.url),
];

let cached: IssueTypeClassifier | undefined;

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

/** The classifier, loaded on first use and reused for every issue after that. */
export function getIssueTypeClassifier(): IssueTypeClassifier {
  cached ??= createIssueTypeClassifier(JSON.parse(readFileSync(issueTypeModelPath(), 'utf8')));
  return cached;
}
