import { describe, expect, it } from '@jest/globals';
import { loadSettings } from '../../common/env.js';
import { defaultLogLevel, loadProfile, profileName } from '../../common/profiles.js';

describe('environment profiles', () => {
  it('BLOGTUBE_PROFILE, else NODE_ENV, else development', () => {
    expect(profileName({})).toBe('development');
    expect(profileName({ NODE_ENV: 'production' })).toBe('production');
    expect(profileName({ NODE_ENV: 'staging' })).toBe('development');
    expect(profileName({ NODE_ENV: 'production', BLOGTUBE_PROFILE: 'test' })).toBe('test');
    expect(() => profileName({ BLOGTUBE_PROFILE: 'prod' })).toThrow(
      /BLOGTUBE_PROFILE must be one of development, production, test, not "prod"/,
    );
  });

  it("carries the seed's values per profile", () => {
    expect(loadProfile({ BLOGTUBE_PROFILE: 'development' })).toEqual({
      name: 'development',
      agentTimeoutMs: 300_000,
      maxConcurrentAgents: 2,
      retryAttempts: 2,
      cacheTtlMs: 1_800_000,
      logLevel: 'debug',
      memoryThresholdMb: 1024,
    });
    expect(loadProfile({ NODE_ENV: 'production' })).toEqual({
      name: 'production',
      agentTimeoutMs: 600_000,
      maxConcurrentAgents: 5,
      retryAttempts: 3,
      cacheTtlMs: 3_600_000,
      logLevel: 'info',
      memoryThresholdMb: 2048,
    });
    expect(loadProfile({ NODE_ENV: 'test' })).toMatchObject({
      agentTimeoutMs: 30_000,
      maxConcurrentAgents: 1,
      logLevel: 'error',
      memoryThresholdMb: 1024,
    });
    // Memory thresholds are resident memory, above a Temporal worker's idle floor (~300 MiB).
    expect(defaultLogLevel({ NODE_ENV: 'production' })).toBe('info');
  });

  it('each value has its own override, validated', () => {
    const p = loadProfile({
      NODE_ENV: 'production',
      BLOGTUBE_AGENT_TIMEOUT_MS: '900000',
      BLOGTUBE_MAX_CONCURRENT_AGENTS: '3',
      BLOGTUBE_RETRY_ATTEMPTS: '4',
      BLOGTUBE_CACHE_TTL_MS: '1000',
      LOG_LEVEL: 'WARN',
      BLOGTUBE_MEMORY_THRESHOLD_MB: '512',
    });
    expect(p).toEqual({
      name: 'production',
      agentTimeoutMs: 900_000,
      maxConcurrentAgents: 3,
      retryAttempts: 4,
      cacheTtlMs: 1000,
      logLevel: 'warn',
      memoryThresholdMb: 512,
    });
    expect(() => loadProfile({ BLOGTUBE_MAX_CONCURRENT_AGENTS: '9' })).toThrow(
      /BLOGTUBE_MAX_CONCURRENT_AGENTS \(development profile\)/,
    );
    expect(() => loadProfile({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadProfile({ BLOGTUBE_AGENT_TIMEOUT_MS: '-5' })).toThrow(
      /BLOGTUBE_AGENT_TIMEOUT_MS/,
    );
    expect(() => loadProfile({ BLOGTUBE_CACHE_TTL_MS: 'soon' })).toThrow(/BLOGTUBE_CACHE_TTL_MS/);
  });

  it("every process's settings carry the profile, and a bad value stops it with the variable named", () => {
    expect(loadSettings({}).profile.name).toBe('development');
    expect(
      loadSettings({ BLOGTUBE_PROFILE: 'test', BLOGTUBE_RETRY_ATTEMPTS: '5' }).profile,
    ).toEqual({
      name: 'test',
      agentTimeoutMs: 30_000,
      maxConcurrentAgents: 1,
      retryAttempts: 5,
      cacheTtlMs: 60_000,
      logLevel: 'error',
      memoryThresholdMb: 1024,
    });
    expect(() => loadSettings({ BLOGTUBE_MEMORY_THRESHOLD_MB: '0' })).toThrow(
      /^invalid environment: invalid BLOGTUBE_MEMORY_THRESHOLD_MB \(development profile\)/,
    );
    expect(() => loadSettings({ BLOGTUBE_PROFILE: 'staging' })).toThrow(
      /invalid environment: BLOGTUBE_PROFILE must be one of/,
    );
  });
});
