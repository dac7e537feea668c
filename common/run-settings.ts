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
import { PROFILES } from './profiles.js';
import type { ProfileSettings } from './profiles.js';

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
});
export type RunSettings = z.infer<typeof RunSettings>;

/** The model workers' task queue when `MODEL_TASK_QUEUE` is not set. */
export const DEFAULT_MODEL_TASK_QUEUE = 'blogtube-model';

/** A worker's run settings, from its profile and its model task queue. */
export function runSettings(
  profile: Pick<ProfileSettings, 'agentTimeoutMs' | 'retryAttempts' | 'maxConcurrentAgents'>,
  modelTaskQueue: string,
  workspaceTaskQueue?: string,
  modelRetryWindowMs?: number,
): RunSettings {
  return RunSettings.parse({
    modelTaskQueue,
    workspaceTaskQueue,
    modelRetryWindowMs,
    modelCallTimeoutMs: profile.agentTimeoutMs,
    analysisAttempts: profile.retryAttempts,
    maxParallelAgents: profile.maxConcurrentAgents,
  });
}

/** The production profile's settings: what a run recorded before run settings existed falls back to. */
export const PRODUCTION_RUN_SETTINGS: RunSettings = runSettings(
  PROFILES.production,
  DEFAULT_MODEL_TASK_QUEUE,
);

/**
 * The settings of a run recorded before run settings existed: the model task
 * queue came with the start, the timeouts with the loaded config (absent
 * before profiles), the concurrency with the config's limits.
 */
export function legacyRunSettings(recorded: {
  modelTaskQueue?: string;
  defaults?: { modelCallTimeoutMs: number; analysisAttempts: number };
  maxParallelAgents?: number;
}): RunSettings {
  const p = PRODUCTION_RUN_SETTINGS;
  return {
    modelTaskQueue: recorded.modelTaskQueue ?? p.modelTaskQueue,
    modelCallTimeoutMs: recorded.defaults?.modelCallTimeoutMs ?? p.modelCallTimeoutMs,
    analysisAttempts: recorded.defaults?.analysisAttempts ?? p.analysisAttempts,
    maxParallelAgents: recorded.maxParallelAgents ?? p.maxParallelAgents,
  };
}
