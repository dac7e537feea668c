/** The analysis activity: runs the pure analyzer so its answer is recorded in history. */
import { getIssueTypeClassifier } from './weights.js';
import { analyzeIssue } from './pure/analyzer.js';
import type { IssueTypeClassifier } from './pure/issue-type.js';
import type { AnalyzerInput } from './pure/analyzer.js';
import { resolveAgents } from '../../common/repo-config.js';
import type { RepoConfig } from '../../common/repo-config.js';
import type { Analysis } from '../../common/schemas.js';

/** The learned type classifier is loaded once per worker, when the activities are created. */
export function createAnalysisActivities(
  classifier: IssueTypeClassifier = getIssueTypeClassifier(),
) {
  return {
    async analyze(issue: AnalyzerInput, config: RepoConfig): Promise<Analysis> {
      return analyzeIssue(issue, resolveAgents(config), classifier);
    },
  };
}

export type AnalysisActivities = ReturnType<typeof createAnalysisActivities>;
