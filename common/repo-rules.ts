/**
 * The repository config's plain values and rules: default agents, the paths
 * no agent may write, the agents' resolution and cycle check, the workspace
 * defaults. Pure and free of zod: the workflow bundle imports it, while the
 * schemas that validate a config stay in repo-config.ts (activities parse it).
 */
import { AGENT_TYPES } from './agent-types.js';
import type { AgentConfig, RepoConfig, WorkspaceConfig } from './repo-config.js';
import type { AgentType } from './schemas.js';

export const DEFAULT_AGENTS: Record<AgentType, AgentConfig> = {
  database: { enabled: true, paths: ['db/**'], depends_on: [] },
  backend: { enabled: true, paths: ['api/**'], depends_on: ['database'] },
  frontend: { enabled: true, paths: ['web/**'], depends_on: ['backend'] },
  devops: { enabled: true, paths: ['deploy/**'], depends_on: ['backend'] },
  documentation: {
    enabled: true,
    paths: ['docs/**', 'README.md'],
    depends_on: ['database', 'backend', 'frontend', 'devops'],
  },
};

/** Lockfiles: the files a setup command usually depends on. */
export const DEFAULT_SETUP_INPUTS = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'requirements*.txt',
  'poetry.lock',
  'Cargo.lock',
  'go.sum',
  'Gemfile.lock',
];

/** The workspace limits' defaults (the schema's `WorkspaceLimits` defaults are these). */
export const DEFAULT_WORKSPACE_LIMITS = {
  wall_seconds: 120,
  memory_mb: 2048,
  processes: 256,
  file_size_mb: 100,
  disk_mb: 2048,
  max_output_bytes: 30_000,
} as const;

/**
 * `WorkspaceConfig.parse({})`: the workspace of a config loaded before
 * workspaces existed (a unit test holds the two equal).
 */
export function defaultWorkspaceConfig(): WorkspaceConfig {
  return {
    network: 'setup',
    commands: 'on',
    limits: { ...DEFAULT_WORKSPACE_LIMITS },
    setup_inputs: [...DEFAULT_SETUP_INPUTS],
  };
}

/**
 * Paths no agent may ever write, whatever the config says (an agent given
 * `.github/**` still cannot write them): what CI executes or trusts. All of
 * `.github/` (workflows, actions, CODEOWNERS, dependabot, this project's own
 * config), ownership and git attributes anywhere, and package-manager
 * configuration (npm, yarn, pnpm hooks). Matched ignoring case.
 */
export const ALWAYS_PROTECTED = [
  '.git/**',
  '.github/**',
  '**/CODEOWNERS',
  '**/.gitattributes',
  '**/.gitmodules',
  '**/.npmrc',
  '**/.yarnrc',
  '**/.yarnrc.*',
  '**/.yarn/**',
  '**/.pnpmfile.cjs',
  '**/.pnpmfile.mjs',
  '**/pnpm-workspace.yaml',
  '**/bunfig.toml',
];

export type ResolvedAgents = Record<AgentType, AgentConfig>;

/** The agents of a config with defaults filled in for those it does not name. */
export function resolveAgents(config: RepoConfig): ResolvedAgents {
  const out = { ...DEFAULT_AGENTS };
  for (const type of AGENT_TYPES) {
    const given = config.agents[type];
    if (given) out[type] = given;
  }
  return out;
}

/** A dependency cycle among the configured agents, or undefined. */
export function findCycle(agents: ResolvedAgents): AgentType[] | undefined {
  const state = new Map<AgentType, 'visiting' | 'done'>();
  const path: AgentType[] = [];
  const visit = (a: AgentType): AgentType[] | undefined => {
    if (state.get(a) === 'done') return undefined;
    if (state.get(a) === 'visiting') return [...path.slice(path.indexOf(a)), a];
    state.set(a, 'visiting');
    path.push(a);
    for (const d of agents[a].depends_on) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(a, 'done');
    return undefined;
  };
  for (const a of AGENT_TYPES) {
    const cycle = visit(a);
    if (cycle) return cycle;
  }
  return undefined;
}
