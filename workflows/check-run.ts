/**
 * One run of one of the repository's checks: a fresh workspace at a commit
 * (no edits, the workspace's setup), the check's command in the same sandbox
 * and limits as an agent's commands (its own time limit: the sandbox kills it
 * there and it is reported as timed out), then the workspace is removed.
 * Every call after `workspaceCreate` goes to the queue of the worker holding
 * the workspace; when that worker is lost the check is run again from the
 * start on another one.
 */
import { CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { WorkspaceActivities } from '../activities/workspace/activities.js';
import type { CheckRun } from '../common/checks.js';
import type { BaseCheckInput } from '../common/base-check.js';
import { workspaceCallOptions, workspaceCreateOptions } from './activity-options.js';
import { workspaceLost } from './workspace-agent.js';

/** Workspaces made again for one check after its worker was lost. */
const MAX_REBUILDS = 5;

/** A check's run: the base-commit memo's input, plus a workspace id unique per (run, sha, check). */
export interface CheckRunSpec extends BaseCheckInput {
  id: string;
}

/** The workspace id of a check run (Temporal ids and paths: safe characters only). */
export function checkWorkspaceId(owner: string, sha: string, check: string): string {
  return `${owner}.check.${check}.${sha.slice(0, 12)}`
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 200);
}

export async function runCheck(spec: CheckRunSpec): Promise<CheckRun> {
  const { check, workspace } = spec;
  // The check's own limit may exceed the workspace's default for agent commands.
  const limits = {
    ...workspace.limits,
    wall_seconds: Math.max(workspace.limits.wall_seconds, check.timeout_seconds),
  };
  for (let rebuilds = 0; ; rebuilds++) {
    const { workspaceCreate } = proxyActivities<WorkspaceActivities>(
      workspaceCreateOptions(spec.workspaceTaskQueue, workspace.limits.wall_seconds),
    );
    const made = await workspaceCreate({
      id: spec.id,
      ref: spec.ref,
      branch: spec.branch,
      sha: spec.sha,
      edits: [],
      workspace,
    });
    const own = (seconds: number) =>
      proxyActivities<WorkspaceActivities>(workspaceCallOptions(made.taskQueue, seconds));
    try {
      const r = await own(check.timeout_seconds).workspaceCheck({
        id: spec.id,
        command: check.run,
        timeoutSeconds: check.timeout_seconds,
        workspace: { ...workspace, limits },
      });
      return {
        name: check.name,
        command: check.run,
        exitCode: r.exitCode,
        durationMs: r.durationMs,
        timedOut: r.timedOut,
        output: r.output,
      };
    } catch (err) {
      if (!workspaceLost(err) || rebuilds >= MAX_REBUILDS) throw err;
    } finally {
      await CancellationScope.nonCancellable(() =>
        own(30)
          .workspaceRemove({ id: spec.id })
          .catch(() => undefined),
      );
    }
  }
}
