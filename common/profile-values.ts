/**
 * The environment profiles' default values (profiles.ts validates them and
 * their overrides). Plain data, free of zod: the workflow bundle imports it
 * through the production run settings.
 */
import type { ProfileName, ProfileSettings } from './profiles.js';

export const PROFILES: Readonly<Record<ProfileName, ProfileSettings>> = {
  development: {
    agentTimeoutMs: 300_000,
    maxConcurrentAgents: 2,
    retryAttempts: 2,
    cacheTtlMs: 1_800_000,
    logLevel: 'debug',
    memoryThresholdMb: 1024,
  },
  production: {
    agentTimeoutMs: 600_000,
    maxConcurrentAgents: 5,
    retryAttempts: 3,
    cacheTtlMs: 3_600_000,
    logLevel: 'info',
    memoryThresholdMb: 2048,
  },
  test: {
    agentTimeoutMs: 30_000,
    maxConcurrentAgents: 1,
    retryAttempts: 1,
    cacheTtlMs: 60_000,
    logLevel: 'error',
    memoryThresholdMb: 1024,
  },
};
