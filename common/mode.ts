/**
 * One switch, `BLOGTUBE_MODE=sandbox|live`, decides whether a process may run
 * against the loopback simulators with their sandbox credentials (`sandbox`,
 * the default) or must have real ones (`live`). The validator is pure: it looks
 * at the environment's names only (never logs a value) and returns every
 * problem at once, so a misconfigured deployment is fixed in one go.
 */
import { z } from 'zod';

export const Mode = z.enum(['sandbox', 'live']);
export type Mode = z.infer<typeof Mode>;

/** The processes that check their configuration at start-up. */
/** `trigger`: `blogtube trigger`, the bridge's work without its HTTP endpoint (GitHub Actions). */
export type Role =
  | 'orchestrator'
  | 'model-worker'
  | 'workspace-worker'
  | 'bridge'
  | 'trigger'
  | 'codec-server'
  | 'cli';

/** Where live processes point when the URL variables are unset. */
export const LIVE_DEFAULTS = {
  GITHUB_API_URL: 'https://api.github.com',
  ANTHROPIC_BASE_URL: 'https://api.anthropic.com',
} as const;

/** The agent types whose model an operator can pin (`BLOGTUBE_MODEL_<AGENT>`). */
const AGENTS = ['database', 'backend', 'frontend', 'devops', 'documentation'] as const;

export function modeOf(env: NodeJS.ProcessEnv): Mode {
  const raw = env.BLOGTUBE_MODE?.trim();
  if (!raw) return 'sandbox';
  const parsed = Mode.safeParse(raw);
  if (!parsed.success) throw new Error(`BLOGTUBE_MODE must be "sandbox" or "live", not "${raw}"`);
  return parsed.data;
}

/** `env` with the live defaults filled in (unchanged in sandbox mode). */
export function withModeDefaults(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.BLOGTUBE_MODE?.trim() !== 'live') return env;
  const out: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(LIVE_DEFAULTS)) if (!out[name]) out[name] = value;
  return out;
}

const has = (env: NodeJS.ProcessEnv, name: string): boolean =>
  Boolean(env[name]?.trim() || env[`${name}_FILE`]?.trim());

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i;

/**
 * Everything a live process of `role` lacks, as lines a person can act on
 * (empty: ready). Sandbox mode needs nothing: the simulators' credentials apply.
 */
export function liveProblems(env: NodeJS.ProcessEnv, role: Role): string[] {
  let mode: Mode;
  try {
    mode = modeOf(env);
  } catch (err) {
    return [(err as Error).message];
  }
  if (mode === 'sandbox') return [];
  const problems: string[] = [];
  const needsGitHub =
    role === 'orchestrator' ||
    role === 'model-worker' ||
    role === 'workspace-worker' ||
    role === 'bridge' ||
    role === 'trigger';

  if (!env.TEMPORAL_ADDRESS?.trim() && !env.TEMPORAL_PROFILE?.trim() && !env.TEMPORAL_CONFIG_FILE)
    problems.push(
      'TEMPORAL_ADDRESS: the Temporal frontend (host:port), or TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE naming a profile that has one',
    );
  if (role !== 'cli' && !has(env, 'BLOGTUBE_CODEC_KEYS'))
    problems.push(
      'BLOGTUBE_CODEC_KEYS or BLOGTUBE_CODEC_KEYS_FILE: payload encryption keys (id:base64key,…; make one with `openssl rand -base64 32`), the same on every process',
    );

  if (needsGitHub) {
    const app = Boolean(env.GITHUB_APP_ID?.trim());
    if (app) {
      if (!/^\d+$/.test(env.GITHUB_APP_ID!.trim()))
        problems.push('GITHUB_APP_ID: must be the App ID, a number (App settings → General)');
      if (!has(env, 'GITHUB_APP_PRIVATE_KEY'))
        problems.push(
          'GITHUB_APP_PRIVATE_KEY_FILE (or GITHUB_APP_PRIVATE_KEY): the App private key (.pem) that goes with GITHUB_APP_ID',
        );
    } else if (!has(env, 'GITHUB_TOKEN')) {
      problems.push(
        'GitHub credentials: GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY_FILE (a GitHub App, recommended), or GITHUB_TOKEN / GITHUB_TOKEN_FILE',
      );
    }
    if (env.GITHUB_API_URL && LOOPBACK.test(env.GITHUB_API_URL))
      problems.push(
        `GITHUB_API_URL: ${env.GITHUB_API_URL} is a loopback address (the simulator?); unset it for ${LIVE_DEFAULTS.GITHUB_API_URL}`,
      );
  }
  if (role === 'model-worker') {
    if (!has(env, 'ANTHROPIC_API_KEY'))
      problems.push('ANTHROPIC_API_KEY or ANTHROPIC_API_KEY_FILE: the Anthropic API key');
    if (env.ANTHROPIC_BASE_URL && LOOPBACK.test(env.ANTHROPIC_BASE_URL))
      problems.push(
        `ANTHROPIC_BASE_URL: ${env.ANTHROPIC_BASE_URL} is a loopback address (the simulator?); unset it for ${LIVE_DEFAULTS.ANTHROPIC_BASE_URL}`,
      );
  }
  if (role === 'bridge' && !has(env, 'GITHUB_WEBHOOK_SECRET'))
    problems.push(
      'GITHUB_WEBHOOK_SECRET or GITHUB_WEBHOOK_SECRET_FILE: the webhook secret set on the GitHub App (or repository webhook)',
    );
  return problems;
}

/** Throws one error listing every problem when a live `role` process is not ready. */
export function assertReady(env: NodeJS.ProcessEnv, role: Role): void {
  const problems = liveProblems(env, role);
  if (problems.length === 0) return;
  throw new Error(
    `BLOGTUBE_MODE=live: the ${role} cannot start; missing or wrong:\n` +
      problems.map((p) => `  - ${p}`).join('\n'),
  );
}

/**
 * The model an agent uses: `BLOGTUBE_MODEL_<AGENT>` (e.g. `BLOGTUBE_MODEL_DATABASE`),
 * else `BLOGTUBE_MODEL`, else what the repository's config asked for.
 */
export function modelFor(env: NodeJS.ProcessEnv, agent: string, requested: string): string {
  const perAgent = env[`BLOGTUBE_MODEL_${agent.toUpperCase()}`]?.trim();
  return perAgent || env.BLOGTUBE_MODEL?.trim() || requested;
}

/** The model overrides set in `env`, for logs and docs (names and model ids only). */
export function modelOverrides(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  if (env.BLOGTUBE_MODEL?.trim()) out['*'] = env.BLOGTUBE_MODEL.trim();
  for (const a of AGENTS) {
    const v = env[`BLOGTUBE_MODEL_${a.toUpperCase()}`]?.trim();
    if (v) out[a] = v;
  }
  return out;
}
