/**
 * The input of a workspace agent (workflows/workspace-agent.ts) and the
 * payloads of the workspace activities (activities/workspace/activities.ts).
 */
import { z } from 'zod';
import { WorkspaceConfig } from './repo-config.js';
import { AgentWorkflowInput } from './schemas.js';

/** A workspace agent: the agent's input plus where and how its workspace is made. */
export const WorkspaceAgentInput = AgentWorkflowInput.extend({
  /** Shared task queue of the workspace workers (workspaceCreate). */
  workspaceTaskQueue: z.string().min(1),
  /** The repository config's `workspace` section. */
  workspace: WorkspaceConfig,
  /** The config's `allow_lifecycle_scripts`. */
  allowLifecycleScripts: z.boolean(),
});
export type WorkspaceAgentInput = z.infer<typeof WorkspaceAgentInput>;
