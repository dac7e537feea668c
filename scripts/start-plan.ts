/**
 * What `npm start` runs, decided from the environment (pure: no I/O), and the
 * banner it prints once everything is up.
 */
import { join } from 'node:path';

/** Credentials the sandbox simulators accept; used only when the user set none. */
export const SANDBOX_DEFAULTS = {
  GITHUB_TOKEN: 'sbx-bot-token',
  ANTHROPIC_API_KEY: 'sandbox-anthropic-key',
  GITHUB_WEBHOOK_SECRET: 'sandbox-webhook-secret',
} as const;
export type CredentialName = keyof typeof SANDBOX_DEFAULTS;

export const DEMO_COMMAND = 'npx blogtube demo';

export interface ServicePlan {
  name: string;
  /** Script run with `node`, relative to the project root. */
  file: string;
  /** Port the service listens on once ready, and the variable that sets it. */
  port?: number;
  portVar?: string;
}

export type TemporalPlan =
  | {
      mode: 'dev-server';
      host: string;
      port: number;
      uiPort: number;
      dbFile: string;
      logFile: string;
    }
  | { mode: 'external'; address: string; uiUrl?: string };

export interface Credential {
  name: CredentialName;
  /** `sandbox`: our default, safe to print; `environment`: the user's, never printed; `missing`: unset. */
  source: 'sandbox' | 'environment' | 'missing';
  /** Set only for sandbox defaults. */
  value?: string;
}

export interface StartPlan {
  temporal: TemporalPlan;
  /** In start order; stopped in reverse. */
  services: ServicePlan[];
  /** Variables added to the children's environment (over the user's own). */
  childEnv: Record<string, string>;
  credentials: Credential[];
  urls: {
    temporalAddress: string;
    temporalUi?: string;
    bridge: string;
    githubApi: string;
    anthropicApi: string;
  };
  simulators: { github: boolean; anthropic: boolean };
  /** Payload encryption: the key file npm start creates when the user set no keys. */
  codec: { endpoint: string; generatedKeyFile?: string };
  /** The workspace worker: its shared queue, commands (`auto`: where the machine can sandbox). */
  workspace: { taskQueue: string; commands: string; agents: string };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port (1-65535)`);
  }
  return n;
}

/** True when `url` (unset = default) points at the local simulator on `simPort`. */
export function pointsAtSimulator(url: string | undefined, simPort: number): boolean {
  if (url === undefined || url === '') return true;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const p = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  return parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname) && p === simPort;
}

function isSet(env: NodeJS.ProcessEnv, name: string): boolean {
  return Boolean(env[name]) || Boolean(env[`${name}_FILE`]);
}

export function resolveStartPlan(env: NodeJS.ProcessEnv, root: string): StartPlan {
  const githubSimPort = port(env, 'GITHUB_SIM_PORT', 3001);
  const anthropicSimPort = port(env, 'ANTHROPIC_SIM_PORT', 3002);
  const bridgePort = port(env, 'BRIDGE_PORT', 3000);
  const bridgeHost = env.BRIDGE_HOST || '127.0.0.1';
  const codecPort = port(env, 'CODEC_SERVER_PORT', 8888);
  const codecEndpoint = `http://127.0.0.1:${codecPort}`;

  const github = pointsAtSimulator(env.GITHUB_API_URL, githubSimPort);
  const anthropic = pointsAtSimulator(env.ANTHROPIC_BASE_URL, anthropicSimPort);
  const githubApi = env.GITHUB_API_URL || `http://127.0.0.1:${githubSimPort}`;
  const anthropicApi = env.ANTHROPIC_BASE_URL || `http://127.0.0.1:${anthropicSimPort}`;

  let temporal: TemporalPlan;
  if (env.TEMPORAL_ADDRESS) {
    temporal = { mode: 'external', address: env.TEMPORAL_ADDRESS, uiUrl: env.TEMPORAL_UI_URL };
  } else {
    const host = '127.0.0.1';
    const temporalPort = port(env, 'TEMPORAL_PORT', 7233);
    const uiPort = port(env, 'TEMPORAL_UI_PORT', 8233);
    temporal = {
      mode: 'dev-server',
      host,
      port: temporalPort,
      uiPort,
      dbFile: join(root, '.data', 'temporal.db'),
      logFile: join(root, '.data', 'temporal.log'),
    };
  }
  const temporalAddress =
    temporal.mode === 'external' ? temporal.address : `${temporal.host}:${temporal.port}`;
  const temporalUi =
    temporal.mode === 'external' ? temporal.uiUrl : `http://${temporal.host}:${temporal.uiPort}`;

  const childEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: temporalAddress,
    GITHUB_API_URL: githubApi,
    ANTHROPIC_BASE_URL: anthropicApi,
    GITHUB_SIM_PORT: String(githubSimPort),
    ANTHROPIC_SIM_PORT: String(anthropicSimPort),
    BRIDGE_PORT: String(bridgePort),
    CODEC_SERVER_PORT: String(codecPort),
  };
  // Payloads are always encrypted; without user keys, a dev key is kept in .data/.
  const generatedKeyFile = isSet(env, 'BLOGTUBE_CODEC_KEYS')
    ? undefined
    : join(root, '.data', 'codec-keys');
  if (generatedKeyFile) childEnv.BLOGTUBE_CODEC_KEYS_FILE = generatedKeyFile;
  if (temporalUi && !env.TEMPORAL_UI_URL) childEnv.TEMPORAL_UI_URL = temporalUi;
  // On a laptop without bubblewrap the workspace worker still starts (editor and search only).
  if (!env.WORKSPACE_COMMANDS) childEnv.WORKSPACE_COMMANDS = 'auto';
  // npm start runs a workspace worker, so its runs give their agents workspaces.
  if (!env.WORKSPACE_AGENTS) childEnv.WORKSPACE_AGENTS = 'on';

  // A sandbox default goes only to the service it was made for: a made-up
  // token is no use against the real GitHub, and a well-known webhook secret
  // must not guard a bridge that real GitHub deliveries reach.
  const defaultApplies: Record<CredentialName, boolean> = {
    GITHUB_TOKEN: github,
    ANTHROPIC_API_KEY: anthropic,
    GITHUB_WEBHOOK_SECRET: github,
  };
  const credentials: Credential[] = [];
  for (const name of Object.keys(SANDBOX_DEFAULTS) as CredentialName[]) {
    if (isSet(env, name)) {
      credentials.push({ name, source: 'environment' });
    } else if (defaultApplies[name]) {
      childEnv[name] = SANDBOX_DEFAULTS[name];
      credentials.push({ name, source: 'sandbox', value: SANDBOX_DEFAULTS[name] });
    } else {
      credentials.push({ name, source: 'missing' });
    }
  }

  const services: ServicePlan[] = [];
  if (github) {
    services.push({
      name: 'github-sim',
      file: 'dist/sandbox/github/main.js',
      port: githubSimPort,
      portVar: 'GITHUB_SIM_PORT',
    });
  }
  if (anthropic) {
    services.push({
      name: 'anthropic-sim',
      file: 'dist/sandbox/anthropic/main.js',
      port: anthropicSimPort,
      portVar: 'ANTHROPIC_SIM_PORT',
    });
  }
  services.push(
    {
      name: 'codec-server',
      file: 'dist/client/codec-server-main.js',
      port: codecPort,
      portVar: 'CODEC_SERVER_PORT',
    },
    { name: 'orchestrator-worker', file: 'dist/workers/orchestrator.js' },
    { name: 'model-worker', file: 'dist/workers/model.js' },
    { name: 'workspace-worker', file: 'dist/workers/workspace.js' },
    {
      name: 'bridge',
      file: 'dist/client/bridge-main.js',
      port: bridgePort,
      portVar: 'BRIDGE_PORT',
    },
  );

  return {
    temporal,
    services,
    childEnv,
    credentials,
    urls: {
      temporalAddress,
      temporalUi,
      bridge: `http://${bridgeHost}:${bridgePort}`,
      githubApi,
      anthropicApi,
    },
    simulators: { github, anthropic },
    codec: { endpoint: codecEndpoint, generatedKeyFile },
    workspace: {
      taskQueue: env.WORKSPACE_TASK_QUEUE || 'blogtube-workspace',
      commands: childEnv.WORKSPACE_COMMANDS ?? env.WORKSPACE_COMMANDS ?? 'on',
      agents:
        (childEnv.WORKSPACE_AGENTS ?? env.WORKSPACE_AGENTS) === 'on'
          ? 'on (WORKSPACE_AGENTS=off turns them off)'
          : 'off (WORKSPACE_AGENTS=on turns them on)',
    },
  };
}

/** A URL without any user:password part. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

/** The text printed once everything is up. */
export function bannerText(plan: StartPlan): string {
  const rows: [string, string][] = [];
  const t = plan.temporal;
  rows.push([
    'Temporal gRPC',
    t.mode === 'dev-server'
      ? `${plan.urls.temporalAddress}  (dev server; data in .data/temporal.db, log in .data/temporal.log)`
      : `${redactUrl(plan.urls.temporalAddress)}  (your server, from TEMPORAL_ADDRESS)`,
  ]);
  rows.push([
    'Temporal Web UI',
    plan.urls.temporalUi ? redactUrl(plan.urls.temporalUi) : '(set TEMPORAL_UI_URL)',
  ]);
  rows.push([
    'Codec endpoint',
    `${plan.codec.endpoint}  (payloads encrypted; keys ${plan.codec.generatedKeyFile ? 'in .data/codec-keys' : 'from BLOGTUBE_CODEC_KEYS'})`,
  ]);
  rows.push(['Webhook endpoint', `${plan.urls.bridge}/webhooks`]);
  rows.push([
    'Workspace worker',
    `task queue ${plan.workspace.taskQueue}  (agents' checkouts; commands ${plan.workspace.commands}; workspaces for new runs ${plan.workspace.agents})`,
  ]);
  rows.push(['Bridge health', `${plan.urls.bridge}/healthz`]);
  rows.push([
    'GitHub API',
    plan.simulators.github
      ? `${plan.urls.githubApi}  (simulator)`
      : `${redactUrl(plan.urls.githubApi)}  (from GITHUB_API_URL; simulator not started)`,
  ]);
  if (plan.simulators.github) {
    rows.push([
      'Sandbox pages',
      `${plan.urls.githubApi}/  (issues, progress comments, pull requests and diffs)`,
    ]);
  }
  rows.push([
    'Anthropic API',
    plan.simulators.anthropic
      ? `${plan.urls.anthropicApi}  (simulator)`
      : `${redactUrl(plan.urls.anthropicApi)}  (from ANTHROPIC_BASE_URL; simulator not started)`,
  ]);
  const creds: [string, string][] = plan.credentials.map((c) => [
    c.name,
    c.source === 'sandbox'
      ? `${c.value ?? ''}  (sandbox default)`
      : c.source === 'environment'
        ? '(from environment)'
        : `(not set: set ${c.name} or ${c.name}_FILE)`,
  ]);
  const width = Math.max(...[...rows, ...creds].map(([k]) => k.length));
  const line = (k: string, v: string): string => `    ${k.padEnd(width)}  ${v}`;
  const rule = '─'.repeat(72);
  return [
    rule,
    '  BlogTube is up',
    '',
    ...rows.map(([k, v]) => line(k, v)),
    '',
    '  Credentials',
    ...creds.map(([k, v]) => line(k, v)),
    '',
    `  Start a demo run:  ${DEMO_COMMAND}`,
    '  Stop everything:   Ctrl-C',
    rule,
  ].join('\n');
}
