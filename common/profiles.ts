/**
 * Environment profiles: `development`, `production` and `test` carry the
 * defaults of the original optimisation guide (agent timeout, concurrent
 * agents, retry attempts, cache time, log level, memory threshold); each value
 * can be overridden by its own variable. The profile comes from
 * `BLOGTUBE_PROFILE`, else `NODE_ENV`, else `development`. Pure: no I/O.
 *
 * Where each value takes effect (README, "Environment profiles"):
 * - agentTimeoutMs: start-to-close timeout of one model call (one agent turn);
 * - maxConcurrentAgents: agents at once per issue, unless the repository's
 *   `limits.max_parallel_agents` says otherwise;
 * - retryAttempts: attempts of the analysis (the one step not bounded by time);
 * - cacheTtlMs: how long a worker keeps agent docs and GitHub App installation ids;
 * - logLevel: every process's log level (`LOG_LEVEL` overrides it);
 * - memoryThresholdMb: resident memory above which `/healthz` answers 503.
 *
 * The memory thresholds are not the guide's 50/100/200 MB: those were heap
 * figures of a plain Node script, and a Temporal worker's resident memory
 * (the Rust core, the workflow V8 context) idles at about 300 MiB for the
 * orchestrator and 140 MiB for a model worker (measured, README
 * "Performance"), so the guide's numbers would mark every worker unhealthy.
 */
import { z } from 'zod';
import { PROFILES } from './profile-values.js';

export const ProfileName = z.enum(['development', 'production', 'test']);
export type ProfileName = z.infer<typeof ProfileName>;

export const LogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevel>;

const ms = z.coerce.number().int().positive();
const count = z.coerce.number().int().positive();

/** One profile's values; every field validated, whether a default or an override. */
export const ProfileSettings = z.object({
  /** Longest one agent turn (one model call) may run: the model activity's start-to-close timeout. */
  agentTimeoutMs: ms.max(24 * 3600_000),
  /** Agents running at once per issue, when the repository's config does not say. */
  maxConcurrentAgents: count.max(5),
  /** Attempts of the work Temporal does not bound by time: the analysis (a local activity). */
  retryAttempts: count.max(10),
  /** How long a worker keeps cached lookups (agent docs, GitHub App installation ids). */
  cacheTtlMs: ms,
  logLevel: LogLevel,
  /** Resident memory (RSS, MiB) above which a process's `/healthz` answers 503. */
  memoryThresholdMb: count,
});
export type ProfileSettings = z.infer<typeof ProfileSettings>;

// The values live in a zod-free module (the workflow bundle imports that).
export { PROFILES } from './profile-values.js';

/** The variable that overrides each setting. */
export const PROFILE_VARIABLES: Readonly<Record<keyof ProfileSettings, string>> = {
  agentTimeoutMs: 'BLOGTUBE_AGENT_TIMEOUT_MS',
  maxConcurrentAgents: 'BLOGTUBE_MAX_CONCURRENT_AGENTS',
  retryAttempts: 'BLOGTUBE_RETRY_ATTEMPTS',
  cacheTtlMs: 'BLOGTUBE_CACHE_TTL_MS',
  logLevel: 'LOG_LEVEL',
  memoryThresholdMb: 'BLOGTUBE_MEMORY_THRESHOLD_MB',
};

export function profileName(env: NodeJS.ProcessEnv): ProfileName {
  const explicit = env.BLOGTUBE_PROFILE?.trim();
  if (explicit) {
    const parsed = ProfileName.safeParse(explicit);
    if (!parsed.success)
      throw new Error(
        `BLOGTUBE_PROFILE must be one of ${ProfileName.options.join(', ')}, not "${explicit}"`,
      );
    return parsed.data;
  }
  // NODE_ENV has other values in the wild (e.g. "staging"): those mean development.
  const nodeEnv = ProfileName.safeParse(env.NODE_ENV?.trim());
  return nodeEnv.success ? nodeEnv.data : 'development';
}

/** The profile's log level unless `LOG_LEVEL` names one (validated by the logger). */
export function defaultLogLevel(env: NodeJS.ProcessEnv): LogLevel {
  return PROFILES[profileName(env)].logLevel;
}

export interface Profile extends ProfileSettings {
  name: ProfileName;
}

/** The memory threshold in bytes (what `/healthz` compares RSS against). */
export function memoryThresholdBytes(p: Pick<ProfileSettings, 'memoryThresholdMb'>): number {
  return p.memoryThresholdMb * 2 ** 20;
}

/** The profile's defaults with every set override applied; throws naming a bad variable. */
export function loadProfile(env: NodeJS.ProcessEnv = process.env): Profile {
  const name = profileName(env);
  const raw: Record<string, unknown> = { ...PROFILES[name] };
  for (const [key, variable] of Object.entries(PROFILE_VARIABLES)) {
    const value = env[variable]?.trim();
    if (value) raw[key] = key === 'logLevel' ? value.toLowerCase() : value;
  }
  const parsed = ProfileSettings.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0]) as keyof ProfileSettings;
    throw new Error(
      `invalid ${PROFILE_VARIABLES[key] ?? key} (${name} profile): ${issue?.message ?? 'invalid'}`,
    );
  }
  return { name, ...parsed.data };
}
