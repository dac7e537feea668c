/** The analysis activity: runs the pure analyzer so its answer is recorded in history. */
import { getIssueTypeClassifier, issueTypeModelPath } from './weights.js';
import { analyzeIssue } from './pure/analyzer.js';
import type { IssueTypeClassifier } from './pure/issue-type.js';
import type { AnalyzerInput } from './pure/analyzer.js';
import { resolveAgents } from '../../common/repo-config.js';
import type { RepoConfig } from '../../common/repo-config.js';
import type { Analysis } from '../../common/schemas.js';

/**
 * The learned type classifier is loaded once per worker, by the first
 * analysis (an idle worker does not hold it); a missing model file still
 * stops the worker at start.
 */
export function createAnalysisActivities(classifier?: IssueTypeClassifier) {
  if (!classifier) issueTypeModelPath();
  return {
    async analyze(issue: AnalyzerInput, config: RepoConfig): Promise<Analysis> {
      return analyzeIssue(issue, resolveAgents(config), classifier ?? getIssueTypeClassifier());
    },
  };
}

export type AnalysisActivities = ReturnType<typeof createAnalysisActivities>;
