/** The workflows the orchestrator worker registers. */
export { issueWorkflow } from './issue.js';
export { agentWorkflow } from './agent.js';
export { areaLeaseWorkflow } from './area-lease.js';
export { workspaceAgentWorkflow } from './workspace-agent.js';
export { redeliveryWorkflow } from './redelivery.js';
export { baseCheckWorkflow } from './base-check.js';
