/**
 * The turn loop every agent workflow shares: model call, tools, messages to
 * teammates, the token budget's pause, and the one commit at the end. The
 * agent kind supplies its own tools (`runTool`) and what it commits (`files`).
 */
import {
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { GitHubActivities } from '../activities/github.js';
import type { ModelActivities } from '../activities/claude.js';
import { firstUserContent, renderMessages } from '../common/text/prompts.js';
import { domainFailure, Failure } from '../common/failures.js';
import { isAgentType } from '../common/agent-types.js';
import { ZERO_USAGE, addUsage, totalTokens } from '../common/usage.js';
import type {
  AgentMessage,
  AgentWorkflowInput,
  AgentWorkflowResult,
  ContentBlock,
  ConversationMessage,
  ModelCallInput,
  StagedFile,
  TokenUsage,
  ToolResultBlock,
  ToolUseBlock,
} from '../common/schemas.js';
import {
  agentBudgetRaisedSignal,
  agentBudgetSignal,
  agentInboxSignal,
  agentMessagesSignal,
  agentProgressQuery,
} from '../common/workflow-api.js';
import { kTokens } from './pure/report.js';
import { NO_LEASE, type LeaseControl } from './area-lease.js';
import { GITHUB_ACTIVITY_OPTIONS, modelActivityOptions } from './activity-options.js';
import { agentOutageHooks, throughOutages } from './model-outage.js';

const github = proxyActivities<GitHubActivities>(GITHUB_ACTIVITY_OPTIONS);

const MAX_OUTPUT_TOKENS = 4096;

export interface ToolOutcome {
  result: ToolResultBlock;
  finished?: string;
}

/** A tool's answer: `ok` for the model to read, `refuse` an error it sees (never a failed agent). */
export function toolAnswers(use: ToolUseBlock) {
  return {
    ok: (content: string): ToolOutcome => ({
      result: { type: 'tool_result', tool_use_id: use.id, content },
    }),
    refuse: (content: string): ToolOutcome => ({
      result: { type: 'tool_result', tool_use_id: use.id, content, is_error: true },
    }),
  };
}

export interface AgentKind {
  /** The tool set the model call offers (absent: the whole-file tools). */
  tools?: ModelCallInput['tools'];
  /** Runs one of the agent's own tools; undefined when it has no tool of that name. */
  runTool(use: ToolUseBlock): Promise<ToolOutcome | undefined>;
  /** Files changed so far (progress and summaries). */
  fileCount(): number;
  /** What to commit once the agent has finished. */
  files(): Promise<StagedFile[]>;
  /** The agent's area lease: given back during a budget pause. */
  lease?: LeaseControl;
}

export async function runAgentLoop(
  input: AgentWorkflowInput,
  kind: AgentKind,
): Promise<AgentWorkflowResult> {
  const lease = kind.lease ?? NO_LEASE;
  const model = proxyActivities<ModelActivities>(
    modelActivityOptions(input.modelTaskQueue, input.modelCallTimeoutMs),
  );
  const inbox: AgentMessage[] = [...input.inbox];
  setHandler(agentInboxSignal, (msgs) => {
    inbox.push(...msgs);
  });

  let usage = ZERO_USAGE;
  let summary: string | undefined;
  let turn = 0;
  let budget = input.tokenBudget;
  let paused = false;
  setHandler(agentBudgetRaisedSignal, (extra) => {
    budget += extra;
  });
  setHandler(agentProgressQuery, () => ({
    agent: input.agent,
    turn,
    maxTurns: input.maxTurns,
    tokens: usage,
    tokenBudget: budget,
    files: kind.fileCount(),
    paused,
  }));
  /** What the Web UI shows for this agent while it runs. */
  const showDetails = (note: string) =>
    setCurrentDetails(
      `**${input.agent} agent** — ${note}\n\nturn ${turn} of ${input.maxTurns} · ${kTokens(totalTokens(usage))} of ${kTokens(budget)} tokens · ${kind.fileCount()} file(s) staged`,
    );
  const parent = getExternalWorkflowHandle(input.issueWorkflowId);

  // A long model outage pauses the agent (the run's status says so) instead of failing it.
  const outage = agentOutageHooks(input, parent, (p, note) => {
    paused = p;
    if (note) showDetails(note);
  });
  const takeInbox = (): ContentBlock[] => {
    if (inbox.length === 0) return [];
    const text = renderMessages(inbox.splice(0, inbox.length));
    return [{ type: 'text', text }];
  };
  const messages: ConversationMessage[] = [
    {
      role: 'user',
      content: [...firstUserContent(input.context), ...takeInbox()],
    },
  ];

  const runTool = async (use: ToolUseBlock, outbox: AgentMessage[]): Promise<ToolOutcome> => {
    const { refuse } = toolAnswers(use);
    return (
      crewTool(input, use, outbox) ??
      (await kind.runTool(use)) ??
      refuse(`unknown tool ${use.name}`)
    );
  };

  for (turn = 1; turn <= input.maxTurns && summary === undefined; turn++) {
    showDetails('working');
    const call = () =>
      model.callModel.executeWithOptions(
        {
          ...modelActivityOptions(input.modelTaskQueue, input.modelCallTimeoutMs, outage.windowMs),
          summary: `${input.agent} agent: turn ${turn}, ${kind.fileCount()} file(s), ${kTokens(totalTokens(usage))} tokens so far`,
        },
        [
          {
            workflowId: workflowInfo().workflowId,
            model: input.model,
            maxTokens: MAX_OUTPUT_TOKENS,
            context: input.context,
            messages,
            ...(kind.tools ? { tools: kind.tools } : {}),
          },
        ],
      );
    const reply = await throughOutages(call, outage);
    usage = addUsage(usage, reply.usage);
    messages.push({ role: 'assistant', content: reply.content });
    const uses = reply.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
    if (uses.length === 0) {
      const text = reply.content.find((b) => b.type === 'text');
      summary = text && text.type === 'text' ? text.text.slice(0, 500) : 'done';
      break;
    }
    const outbox: AgentMessage[] = [];
    const results: ContentBlock[] = [];
    for (const use of uses) {
      const outcome = await runTool(use, outbox);
      results.push(outcome.result);
      if (outcome.finished !== undefined) summary = outcome.finished;
    }
    if (outbox.length > 0) {
      // All notes of one turn travel together, as one signal.
      await parent.signal(agentMessagesSignal, outbox);
    }
    if (summary !== undefined) break;
    if (totalTokens(usage) > budget) {
      // Spent: pause (the issue run says so) until `blogtube budget` raises it, or time out.
      paused = true;
      const spent = { agent: input.agent, used: totalTokens(usage), budget };
      showDetails(`paused: token budget spent (${spent.used} > ${spent.budget})`);
      await parent.signal(agentBudgetSignal, { ...spent, state: 'paused' });
      // A paused agent holds no area lease: the next agent in line works meanwhile.
      await lease.release();
      const raised = await condition(
        () => totalTokens(usage) <= budget,
        `${input.budgetPauseMinutes ?? 60 * 24} minutes`,
      );
      paused = false;
      if (!raised) {
        throw domainFailure(
          Failure.BudgetExhausted,
          `${input.agent} agent exhausted its token budget (${totalTokens(usage)} > ${budget}) and it was not raised in time`,
        );
      }
      // Resumed: queue again for the area's lease, behind whoever got it meanwhile.
      showDetails('resumed: waiting for the area lease');
      await lease.acquire();
      await parent.signal(agentBudgetSignal, { ...spent, budget, state: 'resumed' });
    }
    messages.push({ role: 'user', content: [...results, ...takeInbox()] });
  }

  if (summary === undefined) {
    throw domainFailure(
      Failure.MaxTurns,
      `${input.agent} agent did not finish within ${input.maxTurns} turns`,
    );
  }
  showDetails(`finished: ${summary.slice(0, 200)}`);
  const files = await kind.files();
  const commitSha = await commit(input, summary, files, usage);
  return {
    agent: input.agent,
    turns: messages.filter((m) => m.role === 'assistant').length,
    tokens: usage,
    files: files.map((f) => f.path),
    commitSha,
    summary,
  };
}

/** The tools every agent has: a note to a teammate, and finishing. Undefined for any other. */
function crewTool(
  input: AgentWorkflowInput,
  use: ToolUseBlock,
  outbox: AgentMessage[],
): ToolOutcome | undefined {
  const { ok, refuse } = toolAnswers(use);
  const args = use.input;
  switch (use.name) {
    case 'send_message': {
      const to = args.to;
      if (!isAgentType(to) || to === input.agent || !input.context.teammates.includes(to)) {
        return refuse(
          `refused: "to" must be one of: ${input.context.teammates.join(', ') || 'none'}`,
        );
      }
      const text = typeof args.text === 'string' ? args.text.slice(0, 4000) : '';
      if (!text) return refuse('refused: "text" is empty');
      outbox.push({ from: input.agent, to, text });
      return ok(`queued for ${to}`);
    }
    case 'finish': {
      const s = typeof args.summary === 'string' && args.summary ? args.summary : 'done';
      return { ...ok('finished'), finished: s.slice(0, 500) };
    }
    default:
      return undefined;
  }
}

/** One commit of the agent's files on the branch (none when it changed nothing). */
async function commit(
  input: AgentWorkflowInput,
  summary: string,
  files: StagedFile[],
  usage: TokenUsage,
): Promise<string | undefined> {
  if (files.length === 0) return undefined;
  const made = await github.commitAgentChanges.executeWithOptions(
    {
      ...GITHUB_ACTIVITY_OPTIONS,
      summary: `${input.agent} agent: commit ${files.length} file(s), ${kTokens(totalTokens(usage))} tokens`,
    },
    [
      {
        ref: input.ref,
        branch: input.branch,
        // A retry's commit must not be mistaken for an earlier run's (same workflow id).
        workflowId: input.retry
          ? `${input.issueWorkflowId} (retry ${input.retry})`
          : input.issueWorkflowId,
        agent: input.agent,
        summary,
        files,
      },
    ],
  );
  return made.sha;
}
