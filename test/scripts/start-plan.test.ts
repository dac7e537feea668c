import { describe, expect, test } from '@jest/globals';
import {
  bannerText,
  pointsAtSimulator,
  redactUrl,
  resolveStartPlan,
  SANDBOX_DEFAULTS,
} from '../../scripts/start-plan.js';

const ROOT = '/srv/blogtube';
const names = (env: NodeJS.ProcessEnv): string[] =>
  resolveStartPlan(env, ROOT).services.map((s) => s.name);

describe('resolveStartPlan', () => {
  test('defaults: dev server with persistent DB, both simulators, sandbox credentials', () => {
    const plan = resolveStartPlan({}, ROOT);
    expect(plan.temporal).toEqual({
      mode: 'dev-server',
      host: '127.0.0.1',
      port: 7233,
      uiPort: 8233,
      dbFile: '/srv/blogtube/.data/temporal.db',
      logFile: '/srv/blogtube/.data/temporal.log',
    });
    expect(plan.services).toEqual([
      {
        name: 'github-sim',
        file: 'dist/sandbox/github/main.js',
        port: 3001,
        portVar: 'GITHUB_SIM_PORT',
      },
      {
        name: 'anthropic-sim',
        file: 'dist/sandbox/anthropic/main.js',
        port: 3002,
        portVar: 'ANTHROPIC_SIM_PORT',
      },
      {
        name: 'codec-server',
        file: 'dist/client/codec-server-main.js',
        port: 8888,
        portVar: 'CODEC_SERVER_PORT',
      },
      { name: 'orchestrator-worker', file: 'dist/workers/orchestrator.js' },
      { name: 'model-worker', file: 'dist/workers/model.js' },
      { name: 'workspace-worker', file: 'dist/workers/workspace.js' },
      { name: 'bridge', file: 'dist/client/bridge-main.js', port: 3000, portVar: 'BRIDGE_PORT' },
    ]);
    expect(plan.childEnv).toEqual({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
      GITHUB_API_URL: 'http://127.0.0.1:3001',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:3002',
      GITHUB_SIM_PORT: '3001',
      ANTHROPIC_SIM_PORT: '3002',
      BRIDGE_PORT: '3000',
      CODEC_SERVER_PORT: '8888',
      BLOGTUBE_CODEC_KEYS_FILE: '/srv/blogtube/.data/codec-keys',
      WORKSPACE_COMMANDS: 'auto',
      WORKSPACE_AGENTS: 'on',
      ...SANDBOX_DEFAULTS,
    });
    expect(plan.credentials.filter((c) => c.source !== 'sandbox')).toEqual([]);
  });

  test('runs give their agents workspaces (the plan runs a workspace worker) unless WORKSPACE_AGENTS=off', () => {
    expect(resolveStartPlan({}, ROOT).workspace.agents).toMatch(/^on \(WORKSPACE_AGENTS=off/);
    const off = resolveStartPlan({ WORKSPACE_AGENTS: 'off' }, ROOT);
    expect(off.childEnv.WORKSPACE_AGENTS).toBeUndefined(); // the user's value reaches the children
    expect(off.workspace.agents).toMatch(/^off \(WORKSPACE_AGENTS=on/);
  });

  test('ports come from the environment', () => {
    const plan = resolveStartPlan(
      {
        TEMPORAL_PORT: '7300',
        TEMPORAL_UI_PORT: '8300',
        GITHUB_SIM_PORT: '4001',
        ANTHROPIC_SIM_PORT: '4002',
        BRIDGE_PORT: '4000',
        CODEC_SERVER_PORT: '4003',
      },
      ROOT,
    );
    expect(plan.urls).toEqual({
      temporalAddress: '127.0.0.1:7300',
      temporalUi: 'http://127.0.0.1:8300',
      bridge: 'http://127.0.0.1:4000',
      githubApi: 'http://127.0.0.1:4001',
      anthropicApi: 'http://127.0.0.1:4002',
    });
    expect(plan.services.map((s) => s.port)).toEqual([
      4001,
      4002,
      4003,
      undefined,
      undefined,
      undefined,
      4000,
    ]);
  });

  test('payloads are encrypted: a dev key file unless the user set keys', () => {
    expect(resolveStartPlan({}, ROOT).codec).toEqual({
      endpoint: 'http://127.0.0.1:8888',
      generatedKeyFile: '/srv/blogtube/.data/codec-keys',
    });
    const own = resolveStartPlan({ BLOGTUBE_CODEC_KEYS_FILE: '/etc/blogtube/keys' }, ROOT);
    expect(own.codec.generatedKeyFile).toBeUndefined();
    expect(own.childEnv.BLOGTUBE_CODEC_KEYS_FILE).toBeUndefined();
  });

  test('rejects a malformed port', () => {
    expect(() => resolveStartPlan({ BRIDGE_PORT: 'http' }, ROOT)).toThrow(/BRIDGE_PORT=http/);
    expect(() => resolveStartPlan({ TEMPORAL_PORT: '70000' }, ROOT)).toThrow(/TEMPORAL_PORT/);
  });

  test('TEMPORAL_ADDRESS: use that server, start none', () => {
    const plan = resolveStartPlan(
      { TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_UI_URL: 'https://ui.internal' },
      ROOT,
    );
    expect(plan.temporal).toEqual({
      mode: 'external',
      address: 'temporal.internal:7233',
      uiUrl: 'https://ui.internal',
    });
    expect(plan.childEnv.TEMPORAL_ADDRESS).toBe('temporal.internal:7233');
    expect(plan.childEnv.TEMPORAL_UI_URL).toBeUndefined();
  });

  test('a real GitHub / Anthropic URL skips that simulator and its sandbox credentials', () => {
    expect(names({ GITHUB_API_URL: 'https://api.github.com' })).toEqual([
      'anthropic-sim',
      'codec-server',
      'orchestrator-worker',
      'model-worker',
      'workspace-worker',
      'bridge',
    ]);
    expect(names({ ANTHROPIC_BASE_URL: 'https://api.anthropic.com' })).toEqual([
      'github-sim',
      'codec-server',
      'orchestrator-worker',
      'model-worker',
      'workspace-worker',
      'bridge',
    ]);
    const plan = resolveStartPlan({ GITHUB_API_URL: 'https://api.github.com' }, ROOT);
    expect(plan.childEnv.GITHUB_TOKEN).toBeUndefined();
    expect(plan.childEnv.GITHUB_WEBHOOK_SECRET).toBeUndefined();
    expect(plan.childEnv.ANTHROPIC_API_KEY).toBe(SANDBOX_DEFAULTS.ANTHROPIC_API_KEY);
    expect(plan.credentials.find((c) => c.name === 'GITHUB_TOKEN')?.source).toBe('missing');
  });

  test('a URL naming the simulator itself still starts it', () => {
    expect(names({ GITHUB_API_URL: 'http://localhost:3001/' })).toContain('github-sim');
    expect(names({ GITHUB_API_URL: 'http://127.0.0.1:3009' })).not.toContain('github-sim');
  });

  test('user credentials (or NAME_FILE) are passed through untouched, never replaced', () => {
    const plan = resolveStartPlan(
      { GITHUB_TOKEN: 'ghp_user_secret', ANTHROPIC_API_KEY_FILE: '/run/secrets/anthropic' },
      ROOT,
    );
    expect(plan.childEnv.GITHUB_TOKEN).toBeUndefined(); // inherited from the user's env
    expect(plan.childEnv.ANTHROPIC_API_KEY).toBeUndefined();
    expect(plan.credentials).toEqual([
      { name: 'GITHUB_TOKEN', source: 'environment' },
      { name: 'ANTHROPIC_API_KEY', source: 'environment' },
      {
        name: 'GITHUB_WEBHOOK_SECRET',
        source: 'sandbox',
        value: SANDBOX_DEFAULTS.GITHUB_WEBHOOK_SECRET,
      },
    ]);
  });
});

test('pointsAtSimulator', () => {
  expect(pointsAtSimulator(undefined, 3001)).toBe(true);
  expect(pointsAtSimulator('', 3001)).toBe(true);
  expect(pointsAtSimulator('http://[::1]:3001', 3001)).toBe(true);
  expect(pointsAtSimulator('https://127.0.0.1:3001', 3001)).toBe(false);
  expect(pointsAtSimulator('not a url', 3001)).toBe(false);
});

test('redactUrl drops user info', () => {
  expect(redactUrl('https://user:pw@example.com/api')).toBe('https://example.com/api');
  expect(redactUrl('http://127.0.0.1:3001')).toBe('http://127.0.0.1:3001');
});

describe('bannerText', () => {
  test('lists every URL, the sandbox credentials and the demo command', () => {
    const text = bannerText(resolveStartPlan({}, ROOT));
    for (const expected of [
      '127.0.0.1:7233',
      'http://127.0.0.1:8233',
      'http://127.0.0.1:3000/webhooks',
      'http://127.0.0.1:3000/healthz',
      'http://127.0.0.1:3001',
      'http://127.0.0.1:3001/  (issues, progress comments, pull requests and diffs)',
      'http://127.0.0.1:3002',
      'sbx-bot-token',
      'sandbox-anthropic-key',
      'sandbox-webhook-secret',
      'npx blogtube demo',
    ]) {
      expect(text).toContain(expected);
    }
  });

  test('never prints a value from the environment', () => {
    const env = {
      GITHUB_TOKEN: 'ghp_user_secret',
      ANTHROPIC_API_KEY: 'user-anthropic-secret',
      GITHUB_WEBHOOK_SECRET: 'user-webhook-secret',
      GITHUB_API_URL: 'https://x-access-token:ghp_in_url@github.example.com/api/v3',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
    };
    const text = bannerText(resolveStartPlan(env, ROOT));
    for (const secret of [
      'ghp_user_secret',
      'user-anthropic-secret',
      'user-webhook-secret',
      'ghp_in_url',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text.match(/\(from environment\)/g)).toHaveLength(3);
    expect(text).toContain('https://github.example.com/api/v3');
    expect(text).toContain('simulator not started');
    expect(text).not.toContain('Sandbox pages');
    expect(text).not.toContain('sbx-bot-token');
  });
});
