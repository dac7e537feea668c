/**
 * Types shared by every part of the system, defined once as zod schemas
 * (runtime validation) with `z.infer` types (compile time). Pure: no I/O.
 */
import { z } from 'zod';
import { AGENT_TYPES } from './agent-types.js';
import { ChecksReport } from './checks.js';

// The plain values and helpers live in zod-free modules (the workflow bundle imports those).
export { AGENT_TYPES } from './agent-types.js';
export { ZERO_USAGE, addUsage, totalTokens } from './usage.js';

export const AgentType = z.enum(AGENT_TYPES);
export type AgentType = z.infer<typeof AgentType>;

export const IssueType = z.enum(['bug', 'feature', 'question', 'documentation', 'performance']);
export type IssueType = z.infer<typeof IssueType>;
export const Complexity = z.enum(['simple', 'moderate', 'complex']);
export type Complexity = z.infer<typeof Complexity>;
export const Risk = z.enum(['low', 'medium', 'high']);
export type Risk = z.infer<typeof Risk>;

const ownerOrRepo = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "-" and "_" only');

export const IssueRef = z.object({
  owner: ownerOrRepo,
  repo: ownerOrRepo,
  number: z.number().int().positive(),
});
export type IssueRef = z.infer<typeof IssueRef>;

/** The issue as the system keeps it (text already sanitised by the loader). */
export const IssueData = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
  labels: z.array(z.string()),
  author: z.string(),
  state: z.string(),
  defaultBranch: z.string(),
  htmlUrl: z.string(),
});
export type IssueData = z.infer<typeof IssueData>;

export const TokenUsage = z.object({
  input: z.number().int().nonnegative(),
  output: z.number().int().nonnegative(),
  cacheRead: z.number().int().nonnegative(),
  cacheWrite: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;
export const Analysis = z.object({
  type: IssueType,
  confidence: z.number().min(0).max(1),
  complexity: Complexity,
  risk: Risk,
  agents: z.array(AgentType),
  reasons: z.array(z.string()),
});
export type Analysis = z.infer<typeof Analysis>;

export const PlanNode = z.object({
  agent: AgentType,
  dependsOn: z.array(AgentType),
});
export type PlanNode = z.infer<typeof PlanNode>;

export const Plan = z.object({
  nodes: z.array(PlanNode),
  /** Priority among ready agents when the per-issue limit forces a choice. */
  priority: z.array(AgentType),
  maxParallel: z.number().int().positive(),
});
export type Plan = z.infer<typeof Plan>;

export const AgentMessage = z.object({
  from: z.union([AgentType, z.literal('maintainer')]),
  to: AgentType,
  text: z.string().max(4000),
});
export type AgentMessage = z.infer<typeof AgentMessage>;

export const AgentRunState = z.enum(['pending', 'running', 'done', 'failed', 'skipped']);
export type AgentRunState = z.infer<typeof AgentRunState>;

export const AgentStatus = z.object({
  agent: AgentType,
  state: AgentRunState,
  attempts: z.number().int().nonnegative(),
  turns: z.number().int().nonnegative(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
  tokens: TokenUsage,
  files: z.array(z.string()),
  commitSha: z.string().optional(),
  summary: z.string().optional(),
  error: z.string().optional(),
  /** Time from the scheduler's decision to the child workflow's start. */
  spawnMs: z.number().nonnegative().optional(),
  /** Why the agent is paused (its token budget is spent), while it waits for more. */
  paused: z.string().optional(),
  /** Set when the agent's work was carried over from an earlier run (`blogtube retry`). */
  carriedFrom: z.string().optional(),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

export const Phase = z.enum([
  'loading',
  'analyzing',
  'planning',
  'awaiting_approval',
  'question',
  'running',
  /** Waiting for a bigger token budget (`blogtube budget`), a cancellation or the timeout. */
  'paused',
  /** The repository's checks at the branch head, and their fix rounds. */
  'checking',
  'opening_pr',
  'done',
  'failed',
  'rejected',
  'cancelled',
  'answered',
]);
export type Phase = z.infer<typeof Phase>;
export const TERMINAL_PHASES: readonly Phase[] = [
  'done',
  'failed',
  'rejected',
  'cancelled',
  'answered',
];

export const IssueStatus = z.object({
  workflowId: z.string(),
  repo: z.string(),
  issue: z.number().int(),
  title: z.string().optional(),
  phase: Phase,
  analysis: Analysis.optional(),
  plan: Plan.optional(),
  agents: z.array(AgentStatus),
  messages: z.array(AgentMessage),
  prUrl: z.string().optional(),
  prNumber: z.number().int().optional(),
  draft: z.boolean().optional(),
  branch: z.string().optional(),
  error: z.string().optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
  tokens: TokenUsage,
  /** Model named by the repository's config (for cost estimates). */
  model: z.string().optional(),
  /** Token budgets in force (the config's, raised by `blogtube budget`). */
  budget: z.object({ issueTokens: z.number().int(), agentTokens: z.number().int() }).optional(),
  /** Why and since when the run waits for more budget; absent when it does not. */
  paused: z.object({ reason: z.string(), since: z.string(), until: z.string() }).optional(),
  /** When each phase began, in order. */
  timeline: z.array(z.object({ phase: Phase, at: z.string() })).optional(),
  /** Set on a run started by `blogtube retry`. */
  retry: z.object({ number: z.number().int().positive(), previousRunId: z.string() }).optional(),
  /** The repository's checks and fix rounds, once the run has reached them. */
  checks: ChecksReport.optional(),
});
export type IssueStatus = z.infer<typeof IssueStatus>;

/** What a `blogtube retry` run starts from: the previous run's finished agents. */
export const RetrySeed = z.object({
  number: z.number().int().positive(),
  previousRunId: z.string(),
  /** Agents whose work is kept (done, with their commits); every other agent of the plan runs. */
  keep: z.array(AgentStatus),
  /** Agents that ran before, with their attempts so far. */
  attempts: z.record(z.string(), z.number().int().nonnegative()),
  /** The plan was approved before: do not ask again. */
  planApproved: z.boolean(),
  /** The previous run's branch, where the kept work is (absent in seeds made before property 8). */
  branch: z.string().optional(),
});
export type RetrySeed = z.infer<typeof RetrySeed>;

/** What started (or re-triggered) a run: recorded, never secret. */
export const Trigger = z.object({
  deliveryId: z.string(),
  event: z.string(),
  sender: z.string(),
});
export type Trigger = z.infer<typeof Trigger>;

/**
 * The issue's title and body as a run uses them: what the trigger saw, or a
 * later edit by someone with write access (sanitized and truncated as loaded).
 */
export const IssueText = z.object({ title: z.string(), body: z.string() });
export type IssueText = z.infer<typeof IssueText>;

export const IssueWorkflowInput = z.object({
  ref: IssueRef,
  trigger: Trigger,
  /**
   * The issue text pinned by the trigger (the signed event's, or the previous
   * run's on `blogtube retry`): a later edit on GitHub by someone without
   * write access never reaches an agent. Absent in older histories: the text
   * loaded from GitHub.
   */
  issue: IssueText.optional(),
  /**
   * Deprecated: read only when a run recorded before run settings replays
   * (`common/run-settings.ts`); the orchestrator's worker knows its model queue.
   */
  modelTaskQueue: z.string().min(1).optional(),
  /** Present on a run started by `blogtube retry`. */
  retry: RetrySeed.optional(),
});
export type IssueWorkflowInput = z.infer<typeof IssueWorkflowInput>;

export const IssueWorkflowResult = z.object({
  phase: Phase,
  prUrl: z.string().optional(),
  draft: z.boolean().optional(),
  failedAgents: z.array(AgentType),
  error: z.string().optional(),
});
export type IssueWorkflowResult = z.infer<typeof IssueWorkflowResult>;

// ---- Conversation (a compact subset of the Anthropic Messages API) ----

export const TextBlock = z.object({ type: z.literal('text'), text: z.string() });
export const ToolUseBlock = z.object({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
});
export type ToolUseBlock = z.infer<typeof ToolUseBlock>;
export const ToolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.string(),
  is_error: z.boolean().optional(),
});
export type ToolResultBlock = z.infer<typeof ToolResultBlock>;
export const ContentBlock = z.union([TextBlock, ToolUseBlock, ToolResultBlock]);
export type ContentBlock = z.infer<typeof ContentBlock>;
export const ConversationMessage = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.array(ContentBlock),
});
export type ConversationMessage = z.infer<typeof ConversationMessage>;

/** Everything the prompt builder needs; small, so it is cheap in history. */
export const PromptContext = z.object({
  agent: AgentType,
  repo: z.string(),
  issue: z.object({ number: z.number().int(), title: z.string(), body: z.string() }),
  analysis: Analysis,
  writablePaths: z.array(z.string()),
  teammates: z.array(AgentType),
  dependencySummaries: z.array(z.object({ agent: AgentType, summary: z.string() })),
  /** Commit the repository's agent docs are read at (cache key with repo). */
  docsRef: z.string(),
  /** A fix round after failed checks: the failures routed to this agent (its first message). */
  fixRound: z.object({ round: z.number().int().positive(), message: z.string() }).optional(),
});
export type PromptContext = z.infer<typeof PromptContext>;

export const ModelCallInput = z.object({
  workflowId: z.string(),
  model: z.string(),
  maxTokens: z.number().int().positive(),
  context: PromptContext,
  messages: z.array(ConversationMessage),
  /**
   * The tools offered: absent (old agents' histories) the whole-file tools;
   * `workspace` the editor, search, `run` when commands are on, send_message, finish.
   */
  tools: z
    .object({
      set: z.literal('workspace'),
      commands: z.boolean(),
      testCommand: z.string().optional(),
    })
    .optional(),
});
export type ModelCallInput = z.infer<typeof ModelCallInput>;

export const ModelCallResult = z.object({
  content: z.array(z.union([TextBlock, ToolUseBlock])),
  stopReason: z.string(),
  usage: TokenUsage,
  requestId: z.string().optional(),
  promptBytes: z.number().int().nonnegative(),
});
export type ModelCallResult = z.infer<typeof ModelCallResult>;

export const StagedFile = z.object({ path: z.string(), blobSha: z.string(), bytes: z.number() });
export type StagedFile = z.infer<typeof StagedFile>;

export const AgentWorkflowInput = z.object({
  issueWorkflowId: z.string(),
  ref: IssueRef,
  agent: AgentType,
  branch: z.string(),
  model: z.string(),
  modelTaskQueue: z.string(),
  maxTurns: z.number().int().positive(),
  tokenBudget: z.number().int().positive(),
  maxFiles: z.number().int().positive(),
  maxFileBytes: z.number().int().positive(),
  protectedPaths: z.array(z.string()),
  context: PromptContext,
  inbox: z.array(AgentMessage),
  /** How long the agent waits for more budget once its own is spent (default a day). */
  budgetPauseMinutes: z.number().positive().optional(),
  /** Retry number of the issue run: makes the commit trailer distinct from earlier runs'. */
  retry: z.number().int().positive().optional(),
  /** Longest one model call may run (the worker profile's agent timeout; default 10 minutes). */
  modelCallTimeoutMs: z.number().int().positive().optional(),
  /** How long a model call is retried before the agent pauses for an outage (default an hour). */
  modelRetryWindowMs: z.number().int().positive().optional(),
});
export type AgentWorkflowInput = z.infer<typeof AgentWorkflowInput>;

export const AgentWorkflowResult = z.object({
  agent: AgentType,
  turns: z.number().int(),
  tokens: TokenUsage,
  files: z.array(z.string()),
  commitSha: z.string().optional(),
  summary: z.string(),
});
export type AgentWorkflowResult = z.infer<typeof AgentWorkflowResult>;
