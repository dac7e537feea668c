/**
 * History size stays bounded: an agent that runs 12 model turns (the default
 * `max_turns`) keeps every finished turn in its own history, and that history
 * stays far below Temporal's limits; the issue workflow's history stays small
 * because the turns live in the child's. Bounds: README, "History size".
 */
import { expect, it } from '@jest/globals';
import proto from '@temporalio/proto';
import { agentWorkflowId, issueWorkflowId } from '../../common/ids.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import { databaseOnlyConfig } from '../support/configs.js';
import type { Stack } from '../support/stack.js';
import { useStack } from '../support/stack-hooks.js';

type History = proto.temporal.api.history.v1.IHistory;

/*
 * Bounds documented in README ("History size"): about twice what was measured
 * (12-turn agent: 149 events, 60,957 bytes, largest event 2,863 bytes; its
 * issue workflow: 73 events, 21,611 bytes; payloads gzipped and encrypted).
 */
const AGENT_MAX_EVENTS = 300;
const AGENT_MAX_BYTES = 128 * 1024;
const MAX_EVENT_BYTES = 8 * 1024;
const ISSUE_MAX_EVENTS = 150;
const ISSUE_MAX_BYTES = 48 * 1024;

const TURNS = 12;
/** list, read, (extra exploring turns), write, finish: 4 + extraTurns model turns. */
const EXTRA_TURNS = TURNS - 4;

let stack: Stack;
useStack((s) => (stack = s));

const { History: HistoryProto, HistoryEvent } = proto.temporal.api.history.v1;

function size(h: History): { events: number; bytes: number; largestEvent: number } {
  const events = h.events ?? [];
  return {
    events: events.length,
    bytes: HistoryProto.encode(h).finish().length,
    largestEvent: Math.max(0, ...events.map((e) => HistoryEvent.encode(e).finish().length)),
  };
}

/** Completed activities of one type (completion events name only their scheduled event). */
function completed(h: History, activityType: string): number {
  const events = h.events ?? [];
  const scheduled = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
      .map((e) => String(e.eventId)),
  );
  return events.filter((e) =>
    scheduled.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '')),
  ).length;
}

it('a 12-turn agent keeps every turn in its history, within the documented bounds', async () => {
  await stack.commitFile('.github/blogtube.yml', databaseOnlyConfig(20));
  await stack.sim('anthropic', 'POST', '/_sim/scenario', {
    agents: { database: { extraTurns: EXTRA_TURNS } },
  });
  const opened = await stack.openIssue({
    title: 'Add a playlists table',
    body: 'Add a database migration that creates a playlists table with a name and an owner.',
  });
  const ref = { owner: stack.owner, repo: stack.repo, number: opened.number };
  const issue = stack.client.workflow.getHandle(issueWorkflowId(ref));
  const result = (await issue.result()) as IssueWorkflowResult;
  expect([result.phase, result.error]).toEqual(['done', undefined]);
  const status = await issue.query(statusQuery);
  expect(status.agents.map((a) => [a.agent, a.state, a.turns])).toEqual([
    ['database', 'done', TURNS],
  ]);

  const agentHistory = await stack.client.workflow
    .getHandle(agentWorkflowId(ref, 'database'))
    .fetchHistory();
  const issueHistory = await issue.fetchHistory();
  const agent = size(agentHistory);
  const parent = size(issueHistory);
  process.stderr.write(
    `[history-size] ${TURNS}-turn agent: ${agent.events} events, ${agent.bytes} bytes ` +
      `(largest event ${agent.largestEvent}); issue: ${parent.events} events, ` +
      `${parent.bytes} bytes (largest event ${parent.largestEvent})\n`,
  );

  expect(completed(agentHistory, 'callModel')).toBe(TURNS);
  expect(agent.events).toBeLessThanOrEqual(AGENT_MAX_EVENTS);
  expect(agent.bytes).toBeLessThanOrEqual(AGENT_MAX_BYTES);
  expect(agent.largestEvent).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  expect(parent.events).toBeLessThanOrEqual(ISSUE_MAX_EVENTS);
  expect(parent.bytes).toBeLessThanOrEqual(ISSUE_MAX_BYTES);
  expect(parent.largestEvent).toBeLessThanOrEqual(MAX_EVENT_BYTES);
});
