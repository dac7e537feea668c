import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
/**
 * Custom search attributes of issue workflows: registered by the dev-server
 * launcher (`--search-attribute NAME=TYPE`) and upserted by the issue workflow
 * at each phase, so runs can be filtered in the Web UI and by `blogtube list`.
 */
export const SEARCH_ATTRIBUTES = {
  BlogTubeRepo: 'Keyword',
  BlogTubeIssue: 'Int',
  BlogTubePhase: 'Keyword',
  BlogTubeRisk: 'Keyword',
  BlogTubeAgentsFailed: 'Int',
  BlogTubePrUrl: 'Keyword',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

/** `--search-attribute` flags for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
    '--search-attribute',
    `${name}=${type}`,
  ]);
}

export const SA = {
  repo: defineSearchAttributeKey('BlogTubeRepo', SearchAttributeType.KEYWORD),
  issue: defineSearchAttributeKey('BlogTubeIssue', SearchAttributeType.INT),
  phase: defineSearchAttributeKey('BlogTubePhase', SearchAttributeType.KEYWORD),
  risk: defineSearchAttributeKey('BlogTubeRisk', SearchAttributeType.KEYWORD),
  agentsFailed: defineSearchAttributeKey('BlogTubeAgentsFailed', SearchAttributeType.INT),
  prUrl: defineSearchAttributeKey('BlogTubePrUrl', SearchAttributeType.KEYWORD),
} as const;
