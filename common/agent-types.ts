/**
 * The crew's agent types as plain values. Pure and free of zod: the workflow
 * bundle imports it (the `AgentType` schema in schemas.ts is built from it).
 */
import type { AgentType } from './schemas.js';

export const AGENT_TYPES = ['database', 'backend', 'frontend', 'devops', 'documentation'] as const;

/** What `AgentType.safeParse(x).success` says, without zod. */
export function isAgentType(x: unknown): x is AgentType {
  return (AGENT_TYPES as readonly unknown[]).includes(x);
}
