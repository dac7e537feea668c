/**
 * One agent that works in a real checkout (its workspace): Anthropic's text
 * editor, ripgrep search and sandboxed commands (`run`), besides
 * send_message and finish.
 *
 * Durability (Temporal's worker-specific task queue pattern): the workspace
 * lives on one workspace worker, and every call on it goes to that worker's
 * own queue. The edits the editor made are recorded here, in history. When the
 * worker is lost (a call cannot start there within seconds, or stops
 * heartbeating, or the worker no longer holds the workspace), the agent makes
 * the workspace again on any worker, from the same commit plus its recorded
 * edits, and issues the interrupted call again; no finished turn is repeated.
 *
 * What gets committed is exactly the editor's edits: the final contents of
 * the paths it edited, replayed on the base commit (files that commands
 * change are scratch). The workspace is removed when the agent ends, in any way.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { WorkspaceActivities } from '../activities/workspace/activities.js';
import type { EditorResult } from '../activities/workspace/editor.js';
import type { RecordedEdit } from '../activities/workspace/pure/edits.js';
import type { SearchInput } from '../activities/workspace/search.js';
import { Failure } from '../common/failures.js';
import type { WriteRules } from '../common/path-guard.js';
import type { AgentWorkflowResult, ToolUseBlock } from '../common/schemas.js';
import type { WorkspaceAgentInput } from '../common/workspace-agent.js';
import {
  AGENT_COMMAND_TAIL,
  agentCommandsQuery,
  type AgentCommand,
} from '../common/workflow-api.js';
import { workspaceCallOptions, workspaceCreateOptions } from './activity-options.js';
import { runAgentLoop, toolAnswers, type ToolOutcome } from './agent-loop.js';
import { underAreaLease, type LeaseControl } from './area-lease.js';

/** Rebuilds of a lost workspace for one call before the agent gives up. */
const MAX_REBUILDS = 5;

/** The tool names of a workspace agent (the editor's is Anthropic's). */
export const EDITOR_TOOL_NAME = 'str_replace_based_edit_tool';

export async function workspaceAgentWorkflow(
  input: WorkspaceAgentInput,
): Promise<AgentWorkflowResult> {
  return underAreaLease(`${input.ref.owner}/${input.ref.repo}`, input.agent, (lease) =>
    runWorkspaceAgent(input, lease),
  );
}

/** The result line and the end of the output: what a person following the run wants to see. */
function tailOf(text: string): string {
  if (text.length <= AGENT_COMMAND_TAIL) return text;
  const firstLine = text.slice(0, text.indexOf('\n') + 1);
  return `${firstLine}[…]\n${text.slice(-AGENT_COMMAND_TAIL)}`;
}

/** Did this call fail because the worker holding the workspace is gone? */
export function workspaceLost(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  const cause = err.cause;
  return (
    cause instanceof TimeoutFailure ||
    (cause instanceof ApplicationFailure && cause.type === Failure.WorkspaceLost)
  );
}

async function runWorkspaceAgent(
  input: WorkspaceAgentInput,
  lease: LeaseControl,
): Promise<AgentWorkflowResult> {
  const ws = input.workspace;
  const commands = ws.commands === 'on';
  const fix = input.context.fixRound;
  const id =
    `${input.issueWorkflowId}.${input.agent}${input.retry ? `.r${input.retry}` : ''}${fix ? `.fix${fix.round}` : ''}`
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 200);
  const ref = { owner: input.ref.owner, repo: input.ref.repo };
  const rules: WriteRules = {
    allowed: input.context.writablePaths,
    protectedPaths: input.protectedPaths,
    maxFileBytes: input.maxFileBytes,
    maxFiles: input.maxFiles,
    allowLifecycleScripts: input.allowLifecycleScripts,
  };
  /** The editor's edits, in order: the workspace is the base commit plus these. */
  const edits: RecordedEdit[] = [];
  /** Bytes of each edited path after its latest edit (the guard's totals). */
  const sizes = new Map<string, number>();
  /** The base commit, fixed by the first workspace (later ones use it too). */
  let sha: string | undefined;
  /** The worker queue of the live workspace, if any. */
  let queue: string | undefined;
  /** The commands run so far with their results (for `blogtube status`; not part of any decision). */
  const commandsRun: AgentCommand[] = [];
  setHandler(agentCommandsQuery, () => commandsRun);

  const create = async (): Promise<string> => {
    const { workspaceCreate } = proxyActivities<WorkspaceActivities>(
      workspaceCreateOptions(input.workspaceTaskQueue, ws.limits.wall_seconds),
    );
    const made = await workspaceCreate({
      id,
      ref,
      branch: input.branch,
      ...(sha ? { sha } : {}),
      edits,
      workspace: ws,
    });
    sha = made.sha;
    return made.taskQueue;
  };

  /** Runs `call` on the worker holding the workspace, rebuilding it when that worker is lost. */
  const onWorkspace = async <T>(
    runSeconds: number,
    call: (a: WorkspaceActivities, base: string) => Promise<T>,
    attempts = 1,
  ): Promise<T> => {
    for (let rebuilds = 0; ; rebuilds++) {
      queue ??= await create();
      const activities = proxyActivities<WorkspaceActivities>(
        workspaceCallOptions(queue, runSeconds, attempts),
      );
      try {
        return await call(activities, sha as string);
      } catch (err) {
        if (!workspaceLost(err) || rebuilds >= MAX_REBUILDS) throw err;
        queue = undefined;
      }
    }
  };

  const editor = async (use: ToolUseBlock): Promise<ToolOutcome> => {
    const { ok, refuse } = toolAnswers(use);
    const staged = [...sizes].map(([path, bytes]) => ({ path, bytes }));
    const result: EditorResult = await onWorkspace(60, (a, base) =>
      a.workspaceEdit({ id, sha: base, ref, edit: use.input as never, rules, staged }),
    );
    if (!result.ok) return refuse(result.error);
    if (result.edit) {
      edits.push(result.edit);
      sizes.set(result.edit.op.path, result.edit.bytes);
    }
    return ok(result.output);
  };

  const search = async (use: ToolUseBlock): Promise<ToolOutcome> => {
    const { ok, refuse } = toolAnswers(use);
    const found = await onWorkspace(60, (a) =>
      a.workspaceSearch({ id, search: use.input as unknown as SearchInput }),
    );
    return found.ok ? ok(found.output) : refuse(found.error);
  };

  const run = async (use: ToolUseBlock): Promise<ToolOutcome> => {
    const { ok, refuse } = toolAnswers(use);
    if (!commands) return refuse('commands are off for this repository (workspace.commands: off)');
    const command = use.input.command;
    if (typeof command !== 'string' || command.trim() === '') {
      return refuse('"command" is required');
    }
    const asked = use.input.timeout_seconds;
    const timeoutSeconds =
      typeof asked === 'number' && asked > 0 ? Math.ceil(asked) : ws.limits.wall_seconds;
    const r = await onWorkspace(Math.min(timeoutSeconds, ws.limits.wall_seconds), (a) =>
      a.workspaceRun({ id, command, timeoutSeconds, workspace: ws }),
    );
    commandsRun.push({ command, result: tailOf(r.text), failed: r.failed });
    return r.failed ? refuse(r.text) : ok(r.text);
  };

  try {
    // The workspace is ready (checkout, setup) before the first turn.
    queue = await create();
    return await runAgentLoop(input, {
      lease,
      tools: {
        set: 'workspace',
        commands,
        ...(ws.test ? { testCommand: ws.test } : {}),
      },
      fileCount: () => sizes.size,
      files: async () =>
        edits.length === 0
          ? []
          : onWorkspace(60, (a, base) => a.workspaceFiles({ ref, sha: base, edits }), 5),
      async runTool(use) {
        switch (use.name) {
          case EDITOR_TOOL_NAME:
            return editor(use);
          case 'search':
            return search(use);
          case 'run':
            return run(use);
          default:
            return undefined;
        }
      },
    });
  } finally {
    // Removed however the agent ends (cancellation included); a lost worker's
    // leftovers are removed by its successor at start.
    const last = queue;
    if (last) {
      await CancellationScope.nonCancellable(async () => {
        const { workspaceRemove } = proxyActivities<WorkspaceActivities>(
          workspaceCallOptions(last, 30),
        );
        await workspaceRemove({ id }).catch(() => undefined);
      });
    }
  }
}
