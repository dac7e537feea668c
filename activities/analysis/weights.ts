/**
 * Reads the committed issue-type weights once per process and caches the
 * classifier (the file is found by weights-path.ts).
 */
import { readFileSync } from 'node:fs';
import { createIssueTypeClassifier, type IssueTypeClassifier } from './pure/issue-type.js';
import { issueTypeModelPath } from './weights-path.js';

export { issueTypeModelPath };

let cached: IssueTypeClassifier | undefined;

/** The classifier, loaded on first use and reused for every issue after that. */
export function getIssueTypeClassifier(): IssueTypeClassifier {
  cached ??= createIssueTypeClassifier(JSON.parse(readFileSync(issueTypeModelPath(), 'utf8')));
  return cached;
}
