/**
 * Environment settings of every process, validated once. Secrets are read here
 * (from the variable or from `<NAME>_FILE`) and only handed to the clients
 * that need them; they never enter workflow payloads or logs.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { withModeDefaults } from './mode.js';
import { loadProfile } from './profiles.js';
import type { Profile } from './profiles.js';
import { DEFAULT_MODEL_TASK_QUEUE } from './run-settings.js';
import { DEFAULT_HEAP_GROWING_PERCENT } from './heap-tuning.js';

const port = z.coerce.number().int().min(0).max(65535);
/** An optional count where an empty variable (compose's `${VAR:-}`) means unset. */
const optionalCount = (min: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(min).optional());

const Settings = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  ORCHESTRATOR_TASK_QUEUE: z.string().default('blogtube-orchestrator'),
  MODEL_TASK_QUEUE: z.string().min(1).default(DEFAULT_MODEL_TASK_QUEUE),
  /** Shared task queue of the workspace workers (each also polls a queue of its own). */
  WORKSPACE_TASK_QUEUE: z.string().default('blogtube-workspace'),
  /** Where a workspace worker keeps its checkouts (one live worker per root). */
  WORKSPACE_ROOT: z.string().default(join(tmpdir(), 'blogtube-workspaces')),
  /**
   * `off`: the workspace worker runs no commands (editor and search only);
   * `auto` (npm start): on where the machine can sandbox, else off with a warning.
   */
  WORKSPACE_COMMANDS: z.enum(['on', 'off', 'auto']).default('on'),
  /** Concurrent workspace activities (commands included) per workspace worker. */
  WORKSPACE_SLOTS: z.coerce.number().int().positive().default(8),
  /** Disk for setup results reused across workspaces, per workspace worker; 0: setup always runs. */
  WORKSPACE_SETUP_CACHE_MB: z.coerce.number().int().min(0).default(4096),
  /** `on`: runs started by the bridge and the CLI give their agents workspaces. */
  WORKSPACE_AGENTS: z.enum(['on', 'off']).default('off'),
  GITHUB_API_URL: z.string().url().default('http://127.0.0.1:3001'),
  ANTHROPIC_BASE_URL: z.string().url().default('http://127.0.0.1:3002'),
  BRIDGE_HOST: z.string().default('127.0.0.1'),
  BRIDGE_PORT: port.default(3000),
  BRIDGE_URL: z.string().url().optional(),
  WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  BLOGTUBE_TRIGGER_LABEL: z.string().default('blogtube'),
  PERMISSION_CACHE_SECONDS: z.coerce.number().int().nonnegative().default(60),
  /**
   * Events a run's history may hold before the bridge stops adding signals from
   * GitHub to it (comments, edits, trigger redeliveries); commands still go through.
   */
  BRIDGE_HISTORY_CAP: z.coerce.number().int().positive().default(2000),
  MODEL_SLOTS: z.coerce.number().int().positive().default(8),
  /** Host the workers' /metrics, /healthz and /readyz listen on (and their Core SDK metrics). */
  METRICS_HOST: z.string().default('127.0.0.1'),
  ORCHESTRATOR_METRICS_PORT: port.default(9464),
  MODEL_WORKER_METRICS_PORT: port.default(9465),
  WORKSPACE_WORKER_METRICS_PORT: port.default(9468),
  /** The Temporal Core SDK's own Prometheus endpoint per worker; empty disables it. */
  ORCHESTRATOR_CORE_METRICS_PORT: z.union([z.literal(''), port]).default(9466),
  MODEL_WORKER_CORE_METRICS_PORT: z.union([z.literal(''), port]).default(9467),
  WORKSPACE_WORKER_CORE_METRICS_PORT: z.union([z.literal(''), port]).default(9469),
  /** On SIGTERM, how long in-flight activities may finish before they are cancelled. */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().nonnegative().default(5000),
  /** Circuit breaker per upstream per worker: consecutive unhealthy failures that open it. */
  BREAKER_FAILURE_THRESHOLD: z.coerce.number().int().positive().default(10),
  /** How long an open breaker fails calls fast before letting one probe through. */
  BREAKER_OPEN_MS: z.coerce.number().int().positive().default(10_000),
  /** Cluster-wide cap on model calls started per second on the model task queue (0: none). */
  MODEL_TASK_QUEUE_RATE_LIMIT: z.coerce.number().nonnegative().default(0),
  /** Mark the conversation for prompt caching at every turn ('0' turns it off, to measure it). */
  MODEL_CACHE_CONVERSATION: z
    .enum(['0', '1', ''])
    .default('1')
    .transform((v) => v !== '0'),
  /**
   * Longest a model call waits for another call of the same worker that is
   * writing the same prompt prefix to the cache, so that it reads it instead of
   * writing it again (0: never waits).
   */
  MODEL_CACHE_WAIT_MS: z.coerce.number().int().nonnegative().default(5000),
  /** V8's heap growing factor for worker processes, 1 + n/100 (0: V8's adaptive default); see common/heap-tuning.ts. */
  WORKER_HEAP_GROWING_PERCENT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(0).max(300).default(DEFAULT_HEAP_GROWING_PERCENT),
  ),
  /** Workflows kept in a worker's sticky cache (SDK default when unset). */
  MAX_CACHED_WORKFLOWS: optionalCount(0),
  /** Concurrent workflow tasks per worker (SDK default when unset). */
  WORKFLOW_TASK_SLOTS: optionalCount(1),
  /** Concurrent GitHub/lease activities per orchestrator worker (SDK default when unset). */
  ACTIVITY_TASK_SLOTS: optionalCount(1),
  /** Agents of one area running at once per repository, across issues: `area=n,…`. */
  AREA_LIMITS: z.string().default('database=1,backend=1,devops=1,frontend=2'),
  /** Seconds an agent waits for its area's lease before it asks again (doubling, at most 15 minutes). */
  AREA_LEASE_RECHECK_SECONDS: optionalCount(1),
  /** Seconds a model call is retried before its agent pauses for a model outage (default 3600). */
  MODEL_RETRY_WINDOW_SECONDS: optionalCount(1),
});
export type Settings = z.infer<typeof Settings> & {
  /** The environment profile (`BLOGTUBE_PROFILE`) with its overrides applied. */
  profile: Profile;
};

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  // BLOGTUBE_MODE=live: real GitHub and Anthropic unless the URLs say otherwise.
  const parsed = Settings.safeParse(withModeDefaults(env));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`invalid environment: ${i?.path.join('.')}: ${i?.message}`);
  }
  let profile: Profile;
  try {
    profile = loadProfile(env);
  } catch (err) {
    throw new Error(`invalid environment: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return { ...parsed.data, profile };
}

export type SecretName =
  'GITHUB_TOKEN' | 'ANTHROPIC_API_KEY' | 'GITHUB_WEBHOOK_SECRET' | 'GITHUB_APP_PRIVATE_KEY';

/** A secret from `NAME` or the file named by `NAME_FILE`; throws naming the variable. */
export function readSecret(name: SecretName, env: NodeJS.ProcessEnv = process.env): string {
  const direct = env[name];
  if (direct) return direct.trim();
  const file = env[`${name}_FILE`];
  if (file) {
    const value = readFileSync(file, 'utf8').trim();
    if (value) return value;
    throw new Error(`${name}_FILE (${file}) is empty`);
  }
  throw new Error(`${name} is not set (set ${name} or ${name}_FILE)`);
}

/** Optional secret: a list (comma-separated) for rotation, e.g. two webhook secrets. */
export function readSecretList(name: SecretName, env: NodeJS.ProcessEnv = process.env): string[] {
  return readSecret(name, env)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The workspace queue the orchestrator's runs give their agents, or none while WORKSPACE_AGENTS is off. */
export function workspaceQueueOf(s: Settings): string | undefined {
  return s.WORKSPACE_AGENTS === 'on' ? s.WORKSPACE_TASK_QUEUE : undefined;
}

export function bridgeUrl(s: Settings): string {
  return s.BRIDGE_URL ?? `http://${s.BRIDGE_HOST}:${s.BRIDGE_PORT}`;
}

export function webUiWorkflowUrl(s: Settings, workflowId: string): string {
  return `${s.TEMPORAL_UI_URL}/namespaces/${encodeURIComponent(s.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
}
