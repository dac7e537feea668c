/**
 * Names and types of the workflows' signals, queries and updates: where the
 * client (bridge, CLI) and the workflows meet.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AgentMessage, IssueStatus, Trigger } from './schemas.js';

export const ISSUE_WORKFLOW = 'issueWorkflow';
export const AGENT_WORKFLOW = 'agentWorkflow';

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

export const statusQuery = defineQuery<IssueStatus>('status');

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
