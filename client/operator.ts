/**
 * What the operator's commands do against Temporal: find a run, send it an
 * Update or a signal, follow it, retry it, and gather runs for a report. The
 * CLI (`client/cli.ts`) parses arguments and prints; this module talks to Temporal.
 */
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import {
  QueryNotRegisteredError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ListFilter } from './pure/operator-rules.js';
import type { Settings } from '../common/env.js';
import { agentWorkflowId, formatRef, issueWorkflowId } from '../common/ids.js';
import { isAgentType } from '../common/agent-types.js';
import type { AgentType, IssueRef, IssueStatus, IssueWorkflowInput } from '../common/schemas.js';
import {
  agentCommandsQuery,
  agentProgressQuery,
  ISSUE_WORKFLOW,
  issueTextQuery,
  statusQuery,
} from '../common/workflow-api.js';
import { rootMessage } from '../common/failures.js';
import { CliError, EXIT } from './pure/cli-errors.js';
import type { CommandsByAgent, RunListItem } from './pure/format.js';
import { listQuery, planRetry } from './pure/operator-rules.js';
import type { ProgressByAgent } from './pure/watch.js';
import { changeLines, isOver, renderWatchFrame, watchExitCode } from './pure/watch.js';

/** Who the operator is, as recorded in a run (`cli:<user>`). */
export function operatorName(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** The run's status, or exit 3 when there is no such run. */
export async function fetchStatus(handle: WorkflowHandle, label: string): Promise<IssueStatus> {
  try {
    return await handle.query(statusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new CliError(`no run found for ${label}`, EXIT.notFound);
    }
    throw err;
  }
}

/** The latest run of the issue, which must still be running (else exit 3 or 5). */
export async function runningHandle(client: Client, ref: IssueRef): Promise<WorkflowHandle> {
  const handle = client.workflow.getHandle(issueWorkflowId(ref));
  let state: string;
  try {
    state = (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new CliError(`no run found for ${formatRef(ref)}`, EXIT.notFound);
    }
    throw err;
  }
  if (state !== 'RUNNING') {
    const phase = await handle
      .query(statusQuery)
      .then((s) => `, phase ${s.phase}`)
      .catch(() => '');
    throw new CliError(
      `the run of ${formatRef(ref)} is not running (${state.toLowerCase()}${phase})`,
      EXIT.conflict,
    );
  }
  return handle;
}

/** Run an Update; a refusal by the workflow's validator becomes exit 5 with its reason. */
export async function update<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new CliError(rootMessage(err), EXIT.conflict);
    }
    if (err instanceof WorkflowNotFoundError) {
      throw new CliError(`the run is no longer running (${rootMessage(err)})`, EXIT.conflict);
    }
    throw err;
  }
}

// ---- list ----

export { CliError, EXIT } from './pure/cli-errors.js';
export { parseAgents } from './pure/operator-rules.js';

export async function listRuns(
  client: Client,
  f: ListFilter,
  limit: number,
): Promise<RunListItem[]> {
  const items: RunListItem[] = [];
  for await (const wf of client.workflow.list({ query: listQuery(ISSUE_WORKFLOW, f) })) {
    const sa = wf.searchAttributes as Record<string, unknown[] | undefined>;
    const first = (k: string) => sa[k]?.[0];
    items.push({
      workflowId: wf.workflowId,
      runId: wf.runId,
      status: wf.status.name,
      phase: String(first('BlogTubePhase') ?? ''),
      repo: first('BlogTubeRepo') ? String(first('BlogTubeRepo')) : undefined,
      issue: first('BlogTubeIssue') !== undefined ? Number(first('BlogTubeIssue')) : undefined,
      risk: first('BlogTubeRisk') ? String(first('BlogTubeRisk')) : undefined,
      agentsFailed:
        first('BlogTubeAgentsFailed') !== undefined
          ? Number(first('BlogTubeAgentsFailed'))
          : undefined,
      prUrl: first('BlogTubePrUrl') ? String(first('BlogTubePrUrl')) : undefined,
      startTime: wf.startTime.toISOString(),
      closeTime: wf.closeTime?.toISOString(),
    });
    if (items.length >= limit) break;
  }
  items.sort((a, b) => b.startTime.localeCompare(a.startTime));
  return items;
}

// ---- watch ----

export interface WatchOptions {
  intervalMs: number;
  json: boolean;
  tty: boolean;
  write: (s: string) => void;
  now?: () => Date;
}

async function agentProgress(
  client: Client,
  ref: IssueRef,
  s: IssueStatus,
): Promise<ProgressByAgent> {
  const out: ProgressByAgent = {};
  await Promise.all(
    s.agents
      .filter((a) => a.state === 'running')
      .map(async (a) => {
        try {
          out[a.agent] = await client.workflow
            .getHandle(agentWorkflowId(ref, a.agent))
            .query(agentProgressQuery);
        } catch {
          // Not started yet, or between runs: the row shows what the issue run knows.
        }
      }),
  );
  return out;
}

/**
 * The commands each workspace agent of the run has run, with their output's
 * tail (the agent workflow's `agentCommands` query). Agents without a
 * workspace, or not started, are left out.
 */
export async function agentCommands(
  client: Client,
  ref: IssueRef,
  s: IssueStatus,
): Promise<CommandsByAgent> {
  const query = async (label: string, workflowId: string) => {
    try {
      return [
        label,
        await client.workflow.getHandle(workflowId).query(agentCommandsQuery),
      ] as const;
    } catch {
      return [label, []] as const; // no workspace (no such query), or not started yet
    }
  };
  const started = s.agents.filter((a) => a.state !== 'pending' && a.state !== 'skipped');
  // The fix rounds' agents run as children of their own (`…/fix:<round>`).
  const fixes = (s.checks?.rounds ?? []).flatMap((r) =>
    r.agents.filter(isAgentType).map((agent) => ({ agent, round: r.round })),
  );
  const found = await Promise.all([
    ...started.map((a) => query(a.agent, agentWorkflowId(ref, a.agent))),
    ...fixes.map((f) =>
      query(`${f.agent} (fix ${f.round})`, `${agentWorkflowId(ref, f.agent)}/fix:${f.round}`),
    ),
  ]);
  // In the plan's order, as the agents' table, then the fix rounds in order.
  return Object.fromEntries(found.filter(([, commands]) => commands.length > 0));
}

/** Follow a run until it ends; returns the exit code (0 success, 1 otherwise). */
export async function watchRun(client: Client, ref: IssueRef, o: WatchOptions): Promise<number> {
  const handle = client.workflow.getHandle(issueWorkflowId(ref));
  const label = formatRef(ref);
  let prev: IssueStatus | undefined;
  let lastFrameLines = 0;
  for (let tick = 0; ; tick++) {
    const s = await fetchStatus(handle, label);
    const over = isOver(s);
    if (o.json) {
      if (!prev || s.updatedAt !== prev.updatedAt || over) {
        if (!prev || JSON.stringify(prev) !== JSON.stringify(s)) o.write(`${JSON.stringify(s)}\n`);
      }
    } else if (o.tty) {
      const frame = renderWatchFrame(s, over ? {} : await agentProgress(client, ref, s), tick);
      // Move up over the last frame and clear below, then draw the new one.
      o.write(`${lastFrameLines > 0 ? `\x1b[${lastFrameLines}F\x1b[J` : ''}${frame}\n`);
      lastFrameLines = frame.split('\n').length;
    } else {
      const stamp = (o.now?.() ?? new Date()).toISOString().slice(11, 19);
      for (const line of changeLines(prev, s)) o.write(`${stamp} ${label} ${line}\n`);
    }
    prev = s;
    if (over) return watchExitCode(s);
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}

// ---- retry ----

export async function retryRun(
  client: Client,
  settings: Settings,
  ref: IssueRef,
  only: AgentType[],
  /** Run the checks (and fix rounds) again on the branch head, even when no agent reruns. */
  checks = false,
): Promise<{
  workflowId: string;
  runId: string;
  previousRunId: string;
  retry: number;
  rerun: AgentType[];
  kept: AgentType[];
}> {
  const workflowId = issueWorkflowId(ref);
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new CliError(`no run found for ${formatRef(ref)}`, EXIT.notFound);
    }
    throw err;
  }
  if (description.status.name === 'RUNNING') {
    throw new CliError(
      `the run of ${formatRef(ref)} is still running: wait for it, or cancel it first`,
      EXIT.conflict,
    );
  }
  const prev = await fetchStatus(handle, formatRef(ref));
  const { seed, rerun } = planRetry(prev, description.runId, only, checks);
  // The retry works from the text the previous run was given, not from GitHub's current text
  // (a later edit by someone without write access never reaches an agent).
  const issue = await handle.query(issueTextQuery).catch((err: unknown) => {
    // A run from before pinning has no such query; anything else is a failure, not a fallback.
    const unknown = /did not register a handler|unknown queryType/i;
    if (err instanceof QueryNotRegisteredError || unknown.test(String(err))) return undefined;
    throw err;
  });
  const input: IssueWorkflowInput = {
    ref,
    trigger: {
      deliveryId: `cli-retry-${randomUUID()}`,
      event: 'cli.retry',
      sender: operatorName(),
    },
    retry: seed,
    ...(issue ? { issue } : {}),
  };
  try {
    const started = await client.workflow.start(ISSUE_WORKFLOW, {
      workflowId,
      taskQueue: settings.ORCHESTRATOR_TASK_QUEUE,
      args: [input],
      // The bridge never starts a second run (REJECT_DUPLICATE); an operator's retry may.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: `${formatRef(ref)} retry ${seed.number}: ${rerun.join(', ') || (checks ? 'checks' : 'whole run')}`,
    });
    return {
      workflowId,
      runId: started.firstExecutionRunId,
      previousRunId: description.runId,
      retry: seed.number,
      rerun,
      kept: seed.keep.map((k) => k.agent),
    };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new CliError(`a run of ${formatRef(ref)} started meanwhile`, EXIT.conflict);
    }
    throw err;
  }
}

// ---- report ----

/** Every issue run started since `sinceIso` (optionally of one repository), with its status. */
export async function gatherStatuses(
  client: Client,
  f: ListFilter,
  limit: number,
): Promise<{ statuses: IssueStatus[]; unreadable: string[] }> {
  const runs = await listRuns(client, f, limit);
  const statuses: IssueStatus[] = [];
  const unreadable: string[] = [];
  // A few at a time: each query of a closed run replays it on a worker.
  for (let i = 0; i < runs.length; i += 4) {
    await Promise.all(
      runs.slice(i, i + 4).map(async (r) => {
        try {
          statuses.push(await client.workflow.getHandle(r.workflowId, r.runId).query(statusQuery));
        } catch {
          unreadable.push(`${r.workflowId} (${r.runId ?? ''})`);
        }
      }),
    );
  }
  return { statuses, unreadable };
}
