import { describe, expect, it } from '@jest/globals';
import { loadSettings } from '../../common/env.js';
import {
  assertReady,
  liveProblems,
  modeOf,
  modelFor,
  withModeDefaults,
} from '../../common/mode.js';

const live = { BLOGTUBE_MODE: 'live' };
const codec = { BLOGTUBE_CODEC_KEYS_FILE: '/run/secrets/codec_keys' };
const temporal = { TEMPORAL_ADDRESS: 'temporal:7233' };

describe('BLOGTUBE_MODE', () => {
  it('is sandbox by default, live when asked, and refuses anything else', () => {
    expect(modeOf({})).toBe('sandbox');
    expect(modeOf({ BLOGTUBE_MODE: 'live' })).toBe('live');
    expect(() => modeOf({ BLOGTUBE_MODE: 'prod' })).toThrow(/"sandbox" or "live", not "prod"/);
    expect(liveProblems({ BLOGTUBE_MODE: 'prod' }, 'orchestrator')).toEqual([
      'BLOGTUBE_MODE must be "sandbox" or "live", not "prod"',
    ]);
  });

  it('sandbox needs nothing', () => {
    for (const role of ['orchestrator', 'model-worker', 'bridge', 'codec-server', 'cli'] as const)
      expect(liveProblems({}, role)).toEqual([]);
  });

  it('live lists everything missing at once, per process', () => {
    const worker = liveProblems(live, 'model-worker');
    expect(worker).toHaveLength(4);
    expect(worker.join('\n')).toMatch(/TEMPORAL_ADDRESS/);
    expect(worker.join('\n')).toMatch(/BLOGTUBE_CODEC_KEYS/);
    expect(worker.join('\n')).toMatch(/GITHUB_APP_ID .*or GITHUB_TOKEN/);
    expect(worker.join('\n')).toMatch(/ANTHROPIC_API_KEY/);
    expect(liveProblems(live, 'bridge').join('\n')).toMatch(/GITHUB_WEBHOOK_SECRET/);
    expect(liveProblems(live, 'bridge').join('\n')).not.toMatch(/ANTHROPIC/);
    expect(liveProblems(live, 'orchestrator').join('\n')).not.toMatch(/ANTHROPIC|WEBHOOK/);
    expect(liveProblems(live, 'cli')).toHaveLength(1); // only where Temporal is
  });

  it('accepts a GitHub App (id + key file) or a token, each from a variable or a file', () => {
    const base = { ...live, ...codec, ...temporal };
    expect(
      liveProblems(
        { ...base, GITHUB_APP_ID: '12345', GITHUB_APP_PRIVATE_KEY_FILE: '/k.pem' },
        'orchestrator',
      ),
    ).toEqual([]);
    expect(liveProblems({ ...base, GITHUB_TOKEN_FILE: '/t' }, 'orchestrator')).toEqual([]);
    expect(liveProblems({ ...base, GITHUB_APP_ID: '12345' }, 'orchestrator')).toEqual([
      expect.stringMatching(/^GITHUB_APP_PRIVATE_KEY_FILE/),
    ]);
    expect(
      liveProblems({ ...base, GITHUB_APP_ID: 'my-app', GITHUB_APP_PRIVATE_KEY: 'x' }, 'bridge'),
    ).toEqual([
      expect.stringMatching(/^GITHUB_APP_ID: must be the App ID/),
      expect.stringMatching(/^GITHUB_WEBHOOK_SECRET/),
    ]);
  });

  it('refuses the simulators in live mode, and never prints a secret value', () => {
    const env = {
      ...live,
      ...codec,
      ...temporal,
      GITHUB_TOKEN: 'ghp_secretvalue',
      ANTHROPIC_API_KEY: 'anthropic-secretvalue',
      GITHUB_API_URL: 'http://127.0.0.1:3001',
      ANTHROPIC_BASE_URL: 'http://localhost:3002',
    };
    const problems = liveProblems(env, 'model-worker');
    expect(problems).toEqual([
      expect.stringMatching(/^GITHUB_API_URL: http:\/\/127.0.0.1:3001 is a loopback/),
      expect.stringMatching(/^ANTHROPIC_BASE_URL: http:\/\/localhost:3002 is a loopback/),
    ]);
    let message = '';
    try {
      assertReady(env, 'model-worker');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^BLOGTUBE_MODE=live: the model-worker cannot start/);
    expect(message).not.toMatch(/secretvalue/);
    expect(() => assertReady({}, 'model-worker')).not.toThrow();
  });

  it('a TEMPORAL_PROFILE or TEMPORAL_CONFIG_FILE stands for TEMPORAL_ADDRESS', () => {
    const env = { ...live, ...codec, GITHUB_TOKEN: 't', ANTHROPIC_API_KEY: 'k' };
    expect(liveProblems({ ...env, TEMPORAL_PROFILE: 'cloud' }, 'model-worker')).toEqual([]);
    expect(liveProblems({ ...env, TEMPORAL_CONFIG_FILE: '/c.toml' }, 'model-worker')).toEqual([]);
  });

  it('live points at the real services unless told otherwise', () => {
    expect(loadSettings(live).GITHUB_API_URL).toBe('https://api.github.com');
    expect(loadSettings(live).ANTHROPIC_BASE_URL).toBe('https://api.anthropic.com');
    expect(loadSettings({}).GITHUB_API_URL).toBe('http://127.0.0.1:3001');
    expect(
      loadSettings({ ...live, GITHUB_API_URL: 'https://ghe.example.com/api/v3' }).GITHUB_API_URL,
    ).toBe('https://ghe.example.com/api/v3');
    expect(withModeDefaults({})).toEqual({});
  });

  it('the model per agent type: BLOGTUBE_MODEL_<AGENT>, then BLOGTUBE_MODEL, then the repository', () => {
    const env = { BLOGTUBE_MODEL: 'model-all', BLOGTUBE_MODEL_DATABASE: 'model-db' };
    expect(modelFor(env, 'database', 'repo-model')).toBe('model-db');
    expect(modelFor(env, 'frontend', 'repo-model')).toBe('model-all');
    expect(modelFor({}, 'frontend', 'repo-model')).toBe('repo-model');
  });
});
