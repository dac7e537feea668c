/**
 * The repository's own configuration, `.github/blogtube.yml`: untrusted input,
 * validated with limits. Pure (the YAML text is parsed by the caller's activity).
 */
import { z } from 'zod';
import {
  DEFAULT_SETUP_INPUTS,
  DEFAULT_WORKSPACE_LIMITS as D,
  findCycle,
  resolveAgents,
} from './repo-rules.js';
import { AGENT_TYPES, AgentType } from './schemas.js';

// The plain values and rules live in a zod-free module (the workflow bundle imports that).
export {
  ALWAYS_PROTECTED,
  DEFAULT_AGENTS,
  DEFAULT_SETUP_INPUTS,
  DEFAULT_WORKSPACE_LIMITS,
  defaultWorkspaceConfig,
  findCycle,
  resolveAgents,
  type ResolvedAgents,
} from './repo-rules.js';

const glob = z
  .string()
  .min(1)
  .max(200)
  .refine((g) => !g.startsWith('/') && !g.split('/').includes('..'), {
    message: 'must be a relative glob without ".."',
  });

export const AgentConfig = z
  .object({
    enabled: z.boolean().default(true),
    paths: z.array(glob).min(1).max(20),
    depends_on: z.array(AgentType).max(AGENT_TYPES.length).default([]),
  })
  .strict();
export type AgentConfig = z.infer<typeof AgentConfig>;

export const LimitsConfig = z
  .object({
    /** Unset: the orchestrator's run settings decide (its profile's concurrency). */
    max_parallel_agents: z.number().int().min(1).max(5).optional(),
    max_turns: z.number().int().min(1).max(50).default(12),
    agent_token_budget: z.number().int().min(1000).max(2_000_000).default(80_000),
    issue_token_budget: z.number().int().min(1000).max(10_000_000).default(300_000),
    max_file_bytes: z.number().int().min(1).max(1_000_000).default(100_000),
    max_files_per_agent: z.number().int().min(1).max(100).default(20),
    /** How long a run whose token budget is spent waits (paused) for `blogtube budget`. */
    budget_pause_minutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 14)
      .default(60 * 24),
  })
  .strict();
export type LimitsConfig = z.infer<typeof LimitsConfig>;

export const QuestionsConfig = z
  .object({
    /** `comment`: a confident question gets an explanation, no agents; `run`: treat it as any issue. */
    policy: z.enum(['comment', 'run']).default('comment'),
    min_confidence: z.number().min(0).max(1).default(0.75),
    /** How long a maintainer may still ask for a run (`/blogtube run` or the trigger label). */
    wait_hours: z
      .number()
      .min(0)
      .max(24 * 90)
      .default(24 * 7),
  })
  .strict();
export type QuestionsConfig = z.infer<typeof QuestionsConfig>;

/** Hard ceilings of the workspace limits: what a repository may ask for at most. */
export const WORKSPACE_CEILINGS = {
  wall_seconds: 1800,
  memory_mb: 8192,
  processes: 1024,
  file_size_mb: 1024,
  disk_mb: 10_240,
  max_output_bytes: 1_000_000,
} as const;

/** Per-command limits of a workspace's sandbox, with safe defaults. */
export const WorkspaceLimits = z
  .object({
    /** Wall time of one command; the whole process tree is killed past it. */
    wall_seconds: z
      .number()
      .int()
      .min(1)
      .max(WORKSPACE_CEILINGS.wall_seconds)
      .default(D.wall_seconds),
    /** Private writable memory of each process (RLIMIT_DATA). */
    memory_mb: z.number().int().min(64).max(WORKSPACE_CEILINGS.memory_mb).default(D.memory_mb),
    /** Processes at once inside one command's sandbox (RLIMIT_NPROC). */
    processes: z.number().int().min(4).max(WORKSPACE_CEILINGS.processes).default(D.processes),
    /** Largest file a command may write (RLIMIT_FSIZE). */
    file_size_mb: z
      .number()
      .int()
      .min(1)
      .max(WORKSPACE_CEILINGS.file_size_mb)
      .default(D.file_size_mb),
    /** The workspace as a whole (checkout, home, /tmp). */
    disk_mb: z.number().int().min(16).max(WORKSPACE_CEILINGS.disk_mb).default(D.disk_mb),
    /** Output kept per command: head and tail, the middle cut with a marker. */
    max_output_bytes: z
      .number()
      .int()
      .min(1024)
      .max(WORKSPACE_CEILINGS.max_output_bytes)
      .default(D.max_output_bytes),
  })
  .strict();
export type WorkspaceLimits = z.infer<typeof WorkspaceLimits>;

/** An agent's workspace: a real checkout where it may run commands in a sandbox. */
export const WorkspaceConfig = z
  .object({
    /** Run once per workspace before the agent's first turn (`npm ci`). */
    setup: z.string().min(1).max(2000).optional(),
    /** The command that runs the repository's tests (named to the agents). */
    test: z.string().min(1).max(2000).optional(),
    /** Network for commands: none at all, during setup only, or always. */
    network: z.enum(['none', 'setup', 'all']).default('setup'),
    /** `off`: agents get the editor and search only, no commands. */
    commands: z.preprocess(
      (v) => (v === true ? 'on' : v === false ? 'off' : v), // YAML 1.1 readers make `on` a boolean
      z.enum(['on', 'off']).default('on'),
    ),
    limits: WorkspaceLimits.default(WorkspaceLimits.parse({})),
    /**
     * Globs of the files setup depends on: an earlier workspace's setup result
     * of the same repository and command is restored instead of running setup
     * while these files' contents are unchanged (activities/workspace/setup-cache.ts).
     */
    setup_inputs: z.array(glob).min(1).max(50).default(DEFAULT_SETUP_INPUTS),
  })
  .strict();
export type WorkspaceConfig = z.infer<typeof WorkspaceConfig>;

/** A check's name: the `<name>` of its commit status context `blogtube/<name>`. */
export const CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
/** A check's time limit when it names none; its ceiling is the workspace's (`wall_seconds`). */
export const DEFAULT_CHECK_TIMEOUT_SECONDS = 600;
export const MAX_CHECKS = 20;
export const MAX_FIX_ROUNDS = 5;

/**
 * One of the repository's checks: a command run in a fresh workspace at the
 * branch head, sandboxed like agent commands, after the crew has committed.
 */
export const CheckConfig = z
  .object({
    name: z
      .string()
      .regex(CHECK_NAME, 'must be 1-40 letters, digits, ".", "_" or "-", starting alphanumeric'),
    run: z
      .string()
      .min(1)
      .max(2000)
      .refine((r) => r.trim().length > 0 && !r.includes('\0'), { message: 'must be a command' }),
    timeout_seconds: z
      .number()
      .int()
      .min(1)
      .max(WORKSPACE_CEILINGS.wall_seconds)
      .default(DEFAULT_CHECK_TIMEOUT_SECONDS),
  })
  .strict();
export type CheckConfig = z.infer<typeof CheckConfig>;

/** Names are unique ignoring case: GitHub's status contexts are case-insensitive. */
export const ChecksConfig = z
  .array(CheckConfig)
  .max(MAX_CHECKS)
  .superRefine((checks, ctx) => {
    const seen = new Set<string>();
    checks.forEach((c, i) => {
      const key = c.name.toLowerCase();
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `duplicate check name "${c.name}"`,
        });
      }
      seen.add(key);
    });
  });

export const RepoConfig = z
  .object({
    version: z.literal(1).default(1),
    trigger_label: z.string().min(1).max(50).default('blogtube'),
    approval: z.enum(['none', 'plan']).default('none'),
    approval_timeout_minutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 14)
      .default(60 * 24),
    model: z
      .string()
      .regex(/^[a-z0-9.-]+$/)
      .max(100)
      .default('claude-sonnet-5-5'),
    protected_paths: z.array(glob).max(50).default([]),
    /**
     * May agents add or change lifecycle scripts (`preinstall`, `postinstall`,
     * `prepare`, `pre*` / `post*` hooks, …) in a `package.json`? Off by default:
     * CI runs them on the branch. The protected paths below stay protected either way.
     */
    allow_lifecycle_scripts: z.boolean().default(false),
    questions: QuestionsConfig.default(QuestionsConfig.parse({})),
    limits: LimitsConfig.default(LimitsConfig.parse({})),
    workspace: WorkspaceConfig.default(WorkspaceConfig.parse({})),
    /** The repository's checks, run after the crew; none: the run behaves as without checks. */
    checks: ChecksConfig.default([]),
    /** Rounds of fixes after failed checks, each within the issue's token budget. */
    max_fix_rounds: z.number().int().min(0).max(MAX_FIX_ROUNDS).default(2),
    agents: z
      .object({
        database: AgentConfig.optional(),
        backend: AgentConfig.optional(),
        frontend: AgentConfig.optional(),
        devops: AgentConfig.optional(),
        documentation: AgentConfig.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();
export type RepoConfigInput = z.input<typeof RepoConfig>;
export type RepoConfig = z.infer<typeof RepoConfig>;

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Validate an already-parsed YAML document. Throws ConfigError naming the first
 * bad field (`limits.max_turns: Too big: expected number to be <=50`).
 */
export function validateRepoConfig(doc: unknown): RepoConfig {
  const parsed = RepoConfig.safeParse(doc ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    const extra = issue && issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    throw new ConfigError(`${field}: ${issue?.message ?? 'invalid'}${extra}`, field);
  }
  const config = parsed.data;
  const agents = resolveAgents(config);
  const cycle = findCycle(agents);
  if (cycle) {
    const field = `agents.${cycle[0]}.depends_on`;
    throw new ConfigError(`${field}: dependency cycle ${cycle.join(' -> ')}`, field);
  }
  return config;
}
