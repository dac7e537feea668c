/**
 * Run settings: the deployment's facts a run needs (where model calls go, how
 * long one may take, how often the analysis is tried, how many agents run at
 * once when the repository does not say). The orchestrator's worker knows them
 * (its environment and profile); a run reads them once, through a local
 * activity, so they are recorded in its history and a replay or a move to
 * another worker keeps them. Nothing else carries them: not the webhook's
 * start, not the repository's config.
 */
import { z } from 'zod';
import type { ProfileSettings } from './profiles.js';

// The fallbacks of older runs live in a zod-free module (the workflow bundle imports that).
export {
  DEFAULT_MODEL_TASK_QUEUE,
  legacyRunSettings,
  PRODUCTION_RUN_SETTINGS,
} from './run-settings-fallback.js';

export const RunSettings = z.object({
  /** Task queue of the model workers (model-call activities). */
  modelTaskQueue: z.string().min(1),
  /** Longest one model call may run (the profile's agent timeout). */
  modelCallTimeoutMs: z.number().int().positive(),
  /** Attempts of the analysis (a local activity; Temporal does not bound it by time). */
  analysisAttempts: z.number().int().positive(),
  /** Agents at once per issue where `.github/blogtube.yml` sets no `limits.max_parallel_agents`. */
  maxParallelAgents: z.number().int().min(1).max(5),
  /**
   * Shared task queue of the workspace workers. Present: the run's agents work
   * in a real checkout (editor, search, sandboxed commands); absent: the
   * whole-file tools through the GitHub API.
   */
  workspaceTaskQueue: z.string().min(1).optional(),
  /**
   * How long a model call is retried before the agent takes the model for
   * unavailable and pauses (then tries again after as long); default an hour.
   */
  modelRetryWindowMs: z.number().int().positive().optional(),
  /** The Web UI's address of a workflow, less its id (`…/namespaces/<ns>/workflows/`): status links. */
  webUiWorkflows: z.string().url().optional(),
});
export type RunSettings = z.infer<typeof RunSettings>;

/** A worker's run settings, from its profile and its model task queue. */
export function runSettings(
  profile: Pick<ProfileSettings, 'agentTimeoutMs' | 'retryAttempts' | 'maxConcurrentAgents'>,
  modelTaskQueue: string,
  workspaceTaskQueue?: string,
  modelRetryWindowMs?: number,
  webUiWorkflows?: string,
): RunSettings {
  return RunSettings.parse({
    modelTaskQueue,
    workspaceTaskQueue,
    modelRetryWindowMs,
    webUiWorkflows,
    modelCallTimeoutMs: profile.agentTimeoutMs,
    analysisAttempts: profile.retryAttempts,
    maxParallelAgents: profile.maxConcurrentAgents,
  });
}
