/**
 * Names and types of the workflows' signals, queries and updates: where the
 * client (bridge, CLI) and the workflows meet.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AgentMessage,
  AgentType,
  IssueStatus,
  IssueText,
  TokenUsage,
  Trigger,
} from './schemas.js';

export const ISSUE_WORKFLOW = 'issueWorkflow';
export const AGENT_WORKFLOW = 'agentWorkflow';
/** One pass of the webhook redelivery job (App mode), started by its Temporal Schedule. */
export const REDELIVERY_WORKFLOW = 'redeliveryWorkflow';
export interface RedeliveryInput {
  /** How far back to look for failed deliveries (GitHub keeps them for 3 days). */
  lookbackHours: number;
  /** Attempts an event may have had to be redelivered again. */
  maxAttempts: number;
}

/** A (re)delivery of the event that starts a run; duplicates are recorded, never re-run. */
export const triggerSignal = defineSignal<[Trigger]>('trigger');
/** Agent → agent notes, batched per turn, routed by the issue workflow. */
export const agentMessagesSignal = defineSignal<[AgentMessage[]]>('agentMessages');
/** Notes delivered into a running agent; they appear in its next turn. */
export const agentInboxSignal = defineSignal<[AgentMessage[]]>('agentInbox');

export interface IssueEdit {
  title: string;
  body: string;
  sender: string;
}
export const issueEditedSignal = defineSignal<[IssueEdit]>('issueEdited');

export interface IssueComment {
  id: number;
  author: string;
  body: string;
  /** Whether the author may write to the repository (checked by the bridge). */
  trusted: boolean;
}
export const issueCommentSignal = defineSignal<[IssueComment]>('issueComment');

/**
 * Why a run is being stopped from outside (the issue was closed, transferred
 * or deleted): sent by the bridge just before it cancels the run, so the
 * progress comment says how the run ended.
 */
export interface RunStop {
  reason: string;
  by: string;
}
export const runStopSignal = defineSignal<[RunStop]>('runStop');

export const statusQuery = defineQuery<IssueStatus>('status');
/** The issue text the run's agents are given (undefined before the run loaded the issue). */
export const issueTextQuery = defineQuery<IssueText | undefined>('issueText');

export interface PlanDecision {
  approve: boolean;
  by: string;
  reason?: string;
}
export interface PlanDecisionResult {
  accepted: boolean;
  phase: string;
}
export const planDecisionUpdate = defineUpdate<PlanDecisionResult, [PlanDecision]>('decidePlan');

/** An operator's note to one agent of a running issue (`blogtube message`). */
export interface OperatorMessage {
  to: AgentType;
  text: string;
  by: string;
}
export interface OperatorMessageResult {
  /** `now`: signalled into the running agent; `held`: given to it when it starts. */
  delivered: 'now' | 'held';
  to: AgentType;
}
export const operatorMessageUpdate = defineUpdate<OperatorMessageResult, [OperatorMessage]>(
  'messageAgent',
);

/** More tokens for a running issue (`blogtube budget`); resumes a run paused by its budget. */
export interface BudgetRaise {
  addTokens: number;
  by: string;
}
export interface BudgetRaiseResult {
  issueTokens: number;
  agentTokens: number;
  /** Agents that were paused and were given the extra tokens. */
  resumed: AgentType[];
  phase: string;
}
export const raiseBudgetUpdate = defineUpdate<BudgetRaiseResult, [BudgetRaise]>('raiseBudget');

/** Agent → issue workflow: the agent's own budget is spent (paused) or was raised (resumed). */
export interface AgentBudgetEvent {
  agent: AgentType;
  state: 'paused' | 'resumed';
  used: number;
  budget: number;
}
export const agentBudgetSignal = defineSignal<[AgentBudgetEvent]>('agentBudget');
/** Agent → issue workflow: the model has been unavailable for its whole retry window (paused), or answers again. */
export interface AgentOutageEvent {
  agent: AgentType;
  state: 'paused' | 'resumed';
  reason: string;
}
export const agentOutageSignal = defineSignal<[AgentOutageEvent]>('agentOutage');
/** Issue workflow → agent: extra tokens for its budget. */
export const agentBudgetRaisedSignal = defineSignal<[number]>('agentBudgetRaised');

/** An agent's live progress (queried by `blogtube watch`). */
export interface AgentProgress {
  agent: AgentType;
  turn: number;
  maxTurns: number;
  tokens: TokenUsage;
  tokenBudget: number;
  files: number;
  paused: boolean;
}
export const agentProgressQuery = defineQuery<AgentProgress>('agentProgress');

/** A command a workspace agent ran, with its result (the `run` tool's text, its tail kept). */
export interface AgentCommand {
  command: string;
  /** `exit code <n>, <ms> ms`, a blank line, then the output's last `AGENT_COMMAND_TAIL` characters. */
  result: string;
  /** The sandbox failed (the model got a tool error), not merely a non-zero exit. */
  failed: boolean;
}
/** Characters of a command's result a workspace agent keeps for `agentCommandsQuery`. */
export const AGENT_COMMAND_TAIL = 4000;
/** A workspace agent's commands so far, in order (queried by `blogtube status`). */
export const agentCommandsQuery = defineQuery<AgentCommand[]>('agentCommands');
