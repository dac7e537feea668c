import { describe, expect, it } from '@jest/globals';
import { PROFILES, loadProfile, profileName } from '../../common/profiles.js';

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
      memoryThresholdMb: 100,
    });
    expect(loadProfile({ NODE_ENV: 'production' })).toEqual({
      name: 'production',
      ...PROFILES.production,
    });
    expect(loadProfile({ NODE_ENV: 'test' })).toMatchObject({
      agentTimeoutMs: 30_000,
      maxConcurrentAgents: 1,
      logLevel: 'error',
      memoryThresholdMb: 50,
    });
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
});
