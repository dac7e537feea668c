/**
 * Which child workflow an issue run starts for an agent. Runs whose settings
 * name a workspace queue start `workspaceAgentWorkflow` (a real checkout,
 * editor, search, sandboxed commands) behind the `workspace-agents` patch;
 * older runs, and runs of deployments without workspace workers, keep
 * `agentWorkflow` (whole files through the GitHub API), so their histories
 * replay unchanged.
 */
import { ParentClosePolicy, patched } from '@temporalio/workflow';
import type { ChildWorkflowOptions } from '@temporalio/workflow';
import type { RepoConfig } from '../common/repo-config.js';
import { defaultWorkspaceConfig } from '../common/repo-rules.js';
import type { RunSettings } from '../common/run-settings.js';
import type { WorkspaceAgentInput } from '../common/workspace-agent.js';

export type WorkspaceFields = Pick<
  WorkspaceAgentInput,
  'workspaceTaskQueue' | 'workspace' | 'allowLifecycleScripts'
>;

export interface ChildKind {
  /** The child's workflow type. */
  type: 'agentWorkflow' | 'workspaceAgentWorkflow';
  /** What a workspace agent's input adds to an agent's. */
  extra: WorkspaceFields | Record<string, never>;
  /**
   * Start options of the child. A workspace agent still running when a
   * cancelled run closes is asked to cancel, not terminated, so it removes its
   * workspace (and its running command) on the way out.
   */
  options: Pick<ChildWorkflowOptions, 'parentClosePolicy'>;
}

export function childKind(settings: RunSettings, config: RepoConfig): ChildKind {
  const queue = settings.workspaceTaskQueue;
  if (queue === undefined || !patched('workspace-agents'))
    return { type: 'agentWorkflow', extra: {}, options: {} };
  return {
    type: 'workspaceAgentWorkflow',
    extra: {
      workspaceTaskQueue: queue,
      // Configs recorded before the workspace section existed read as its defaults.
      workspace: config.workspace ?? defaultWorkspaceConfig(),
      allowLifecycleScripts: config.allow_lifecycle_scripts === true,
    },
    options: { parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL },
  };
}
