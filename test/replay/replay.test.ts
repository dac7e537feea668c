/**
 * Determinism guard: every recorded history under test/replay/ (issue and
 * agent workflows of representative runs, written by
 * `scripts/record-replay-histories.ts`) is replayed against the current
 * workflow code with the workers' data converter. A change that would break
 * runs already in flight fails here, naming the history file. No simulator and
 * no activity is needed: replay only re-executes workflow code against the
 * recorded events. How to change workflows safely: docs/changing-workflows.md.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import {
  loadRecordedHistories,
  REPLAY_SCENARIOS,
  replayDataConverter,
} from '../../scripts/replay-histories.js';
import type { LoadedHistory } from '../../scripts/replay-histories.js';
import { workflowsPath } from '../../workers/create.js';

let histories: LoadedHistory[];

beforeAll(async () => {
  try {
    // Replay workers log the violations this file provokes on purpose.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // Already installed in this Jest worker.
  }
  histories = await loadRecordedHistories();
});

function options(path: string): ReplayWorkerOptions {
  return { workflowsPath: path, dataConverter: replayDataConverter(), replayName: 'blogtube' };
}

/** Replays each history; the files that failed, with the reason. */
async function replayAll(path: string, list: LoadedHistory[]) {
  const failures: { file: string; error: Error }[] = [];
  let replayed = 0;
  const results = Worker.runReplayHistories(
    options(path),
    list.map((h) => ({ workflowId: h.workflowId, history: h.history })),
  );
  // One at a time, in order: the n-th result is the n-th history's.
  for await (const r of results) {
    const file = list[replayed++]?.file ?? r.workflowId;
    if (r.error) failures.push({ file, error: r.error });
  }
  return { replayed, failures };
}

describe('recorded histories', () => {
  it('cover every scenario with its issue workflow and at least one agent', () => {
    const files = histories.map((h) => h.file);
    for (const scenario of REPLAY_SCENARIOS) {
      expect(files).toContain(`${scenario}-issue.json`);
      expect(files.filter((f) => f.startsWith(`${scenario}-agent-`)).length).toBeGreaterThan(0);
    }
  });

  it('include a run of workspace agents: checkouts, editor edits and sandboxed commands', () => {
    const agents = histories.filter((h) => h.file.startsWith('workspace-agents-agent-'));
    expect(agents.length).toBeGreaterThanOrEqual(3);
    for (const h of agents) {
      const events = h.history.events ?? [];
      const type = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
      const activities = new Set(
        events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name),
      );
      expect({ file: h.file, type }).toEqual({ file: h.file, type: 'workspaceAgentWorkflow' });
      for (const a of ['workspaceCreate', 'workspaceEdit', 'workspaceRun', 'workspaceFiles']) {
        expect({ file: h.file, a, scheduled: activities.has(a) }).toEqual({
          file: h.file,
          a,
          scheduled: true,
        });
      }
    }
  });

  it('replay against the current workflow code without a determinism error', async () => {
    const { replayed, failures } = await replayAll(workflowsPath(), histories);
    const report = failures.map((f) => `${f.file}: ${f.error.name}: ${f.error.message}`);
    expect(report).toEqual([]);
    expect(replayed).toBe(histories.length);
  });

  it('the check can fail: a reordered issue workflow raises a DeterminismViolationError', async () => {
    const alternate = fileURLToPath(
      new URL('../support/nondeterministic-workflows.ts', import.meta.url),
    );
    const happy = histories.find((h) => h.file === 'happy-path-issue.json');
    if (!happy) throw new Error('happy-path-issue.json is missing');
    const { failures } = await replayAll(alternate, [happy]);
    expect(failures.map((f) => f.file)).toEqual(['happy-path-issue.json']);
    expect(failures[0]?.error).toBeInstanceOf(DeterminismViolationError);
    await expect(
      Worker.runReplayHistory(options(alternate), happy.history, happy.workflowId),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
