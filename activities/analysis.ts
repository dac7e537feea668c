/** The analysis activity: runs the pure analyzer so its answer is recorded in history. */
import { analyzeIssue } from './pure/analyzer.js';
import type { AnalyzerInput } from './pure/analyzer.js';
import { resolveAgents } from '../common/repo-config.js';
import type { RepoConfig } from '../common/repo-config.js';
import type { Analysis } from '../common/schemas.js';

export function createAnalysisActivities() {
  return {
    async analyze(issue: AnalyzerInput, config: RepoConfig): Promise<Analysis> {
      return analyzeIssue(issue, resolveAgents(config));
    },
  };
}

export type AnalysisActivities = ReturnType<typeof createAnalysisActivities>;
