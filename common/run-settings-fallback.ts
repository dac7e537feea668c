/**
 * What a run recorded before run settings existed falls back to: the
 * production profile's settings. Free of zod (the workflow bundle imports it);
 * the same as `runSettings(PROFILES.production, DEFAULT_MODEL_TASK_QUEUE)`,
 * which a unit test holds.
 */
import { PROFILES } from './profile-values.js';
import type { RunSettings } from './run-settings.js';

/** The model workers' task queue when `MODEL_TASK_QUEUE` is not set. */
export const DEFAULT_MODEL_TASK_QUEUE = 'blogtube-model';

/** The production profile's settings: what a run recorded before run settings existed falls back to. */
export const PRODUCTION_RUN_SETTINGS: RunSettings = {
  modelTaskQueue: DEFAULT_MODEL_TASK_QUEUE,
  modelCallTimeoutMs: PROFILES.production.agentTimeoutMs,
  analysisAttempts: PROFILES.production.retryAttempts,
  maxParallelAgents: PROFILES.production.maxConcurrentAgents,
};

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
