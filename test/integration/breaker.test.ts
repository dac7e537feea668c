/**
 * The Anthropic circuit breaker on real parts: while the simulator answers 503
 * the model worker's breaker opens, and activity attempts then fail fast with
 * `anthropic.circuit_open` (Temporal waits out the open period) instead of
 * reaching the upstream; when the upstream recovers, a half-open probe closes
 * the breaker and every run completes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { temporal } from '@temporalio/proto';
import { agentWorkflowId, issueWorkflowId } from '../../common/ids.js';
import type { IssueWorkflowResult } from '../../common/schemas.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';

const THRESHOLD = 3;
const OPEN_MS = 2000;
/** One backend agent per issue. */
const ISSUE = {
  title: 'Add a playlists API endpoint',
  body: 'Add an API endpoint that lists playlists.',
};

interface SimRequest {
  at: string;
  status: number;
  turn: number | null;
  issue: number | null;
  repo: string | null;
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    env: { BREAKER_FAILURE_THRESHOLD: String(THRESHOLD), BREAKER_OPEN_MS: String(OPEN_MS) },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** Each run in its own repository: area leases would otherwise queue the backend agents. */
interface Run {
  repo: string;
  number: number;
}
function ref(run: Run) {
  return { owner: stack.owner, repo: run.repo, number: run.number };
}
async function openRun(i: number): Promise<Run & { status: number }> {
  const repo = `breaker-${i}`;
  await stack.addRepo(repo);
  const opened = await stack.openIssue({ ...ISSUE, repo });
  return { repo, number: opened.number, status: opened.status };
}

async function modelRequests(): Promise<SimRequest[]> {
  return (await stack.sim('anthropic', 'GET', '/_sim/requests')) as SimRequest[];
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The agent's first model call, from its history: how many attempts it took, and the failure before the last. */
async function firstModelCall(run: Run): Promise<{ attempts: number; lastFailureType?: string }> {
  const history = await stack.client.workflow
    .getHandle(agentWorkflowId(ref(run), 'backend'))
    .fetchHistory();
  const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel',
  );
  const started = events.find(
    (e) =>
      String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
  )?.activityTaskStartedEventAttributes;
  if (!started) throw new Error(`${run.repo}#${run.number}: the first model call never started`);
  return {
    attempts: started.attempt ?? 0,
    lastFailureType: started.lastFailure?.applicationFailureInfo?.type ?? undefined,
  };
}

describe('anthropic circuit breaker', () => {
  it('opens under a persistent 503, fails attempts fast without calling the upstream, closes when it recovers', async () => {
    const t0 = Date.now();
    await stack.sim('anthropic', 'POST', '/_sim/faults', { rules: [{ status: 503 }] });
    await stack.sim('anthropic', 'DELETE', '/_sim/requests');

    // One run fails THRESHOLD times in a row (its retries at +1 s, +3 s): the breaker opens.
    const first = await openRun(0);
    expect(first.status).toBe(201);
    await until('the breaker to open', async () =>
      (await modelRequests()).length >= THRESHOLD ? true : undefined,
    );
    const openedAt = Date.now();

    // More runs arrive while it is open: their model calls are refused at once.
    const more = await Promise.all([1, 2, 3, 4, 5].map((i) => openRun(i)));
    const issues: Run[] = [first, ...more];

    // Let the outage last two more open periods, then recover. (Refusals are attempts too; the
    // model call's retry policy is bounded by time, so they cannot exhaust it.)
    await new Promise((r) => setTimeout(r, 2 * OPEN_MS + 500));
    await stack.sim('anthropic', 'DELETE', '/_sim/faults');
    const outageMs = Date.now() - t0;

    const results = await Promise.all(
      issues.map(
        (run) =>
          stack.client.workflow
            .getHandle(issueWorkflowId(ref(run)))
            .result() as Promise<IssueWorkflowResult>,
      ),
    );
    const totalMs = Date.now() - t0;
    expect(results.map((r) => r.phase)).toEqual(issues.map(() => 'done'));

    // During the outage: after the first THRESHOLD failures, one request (the probe) per open period.
    const requests = await modelRequests();
    const duringFault = requests.filter((r) => r.status === 503);
    expect(duringFault.length).toBeGreaterThan(THRESHOLD);
    const times = duringFault.map((r) => Date.parse(r.at));
    const gaps = times.slice(THRESHOLD).map((t, i) => t - (times[THRESHOLD - 1 + i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(OPEN_MS - 50);

    // The activities tried far more often than the upstream was called.
    const calls = await Promise.all(issues.map(firstModelCall));
    const attempts = calls.reduce((sum, c) => sum + c.attempts, 0);
    const firstCallRequests = requests.filter(
      (r) =>
        r.turn === 0 &&
        issues.some((run) => r.issue === run.number && r.repo?.endsWith(`/${run.repo}`)),
    );
    const reached = firstCallRequests.length; // the 503s plus one success per run
    const refused = attempts - reached;
    expect(reached).toBe(duringFault.length + issues.length);
    expect(refused).toBeGreaterThanOrEqual(2 * duringFault.length);
    expect(calls.map((c) => c.lastFailureType)).toContain('anthropic.circuit_open');

    console.log(
      `breaker: ${duringFault.length} upstream requests during a ${outageMs} ms outage ` +
        `(opened after ${openedAt - t0} ms, gaps ${gaps.join(', ')} ms); ` +
        `first model calls: ${attempts} attempts, ${reached} reached the simulator, ${refused} failed fast; ` +
        `per run ${calls.map((c) => `${c.attempts} (last failure ${c.lastFailureType ?? '-'})`).join(', ')}; ` +
        `all done after ${totalMs} ms`,
    );
  });
});
