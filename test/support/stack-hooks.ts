/** A test file's stack, started before its tests and stopped after; waits on its runs; simulator scenarios. */
import { afterAll, beforeAll } from '@jest/globals';
import { issueWorkflowId } from '../../common/ids.js';
import { AGENT_TYPES } from '../../common/schemas.js';
import { statusQuery } from '../../common/workflow-api.js';
import type { AgentKnobs } from '../../sandbox/anthropic/server.js';
import { startStack, type Stack } from './stack.js';

/**
 * Starts a stack (with `opts`) in `beforeAll`, hands it to `use` (the file's
 * `let stack`), and stops it in `afterAll`.
 */
export function useStack(
  use: (stack: Stack) => void,
  opts?: Parameters<typeof startStack>[0],
): void {
  let started: Stack | undefined;
  beforeAll(async () => {
    started = await startStack(opts);
    use(started);
  });
  afterAll(async () => {
    await started?.stop();
  });
}

/** Waits (up to about 30 s) until issue `n`'s run on `stack` reports `phase`. */
export async function waitForPhase(stack: Stack, n: number, phase: string): Promise<void> {
  const handle = () =>
    stack.client.workflow.getHandle(
      issueWorkflowId({ owner: stack.owner, repo: stack.repo, number: n }),
    );
  for (let i = 0; i < 300; i++) {
    const status = await handle()
      .query(statusQuery)
      .catch(() => undefined);
    if (status?.phase === phase) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`issue #${n} never reached phase ${phase}`);
}

/** The Anthropic simulator plays every agent with `knobs` (`POST /_sim/scenario`). */
export async function everyAgentPlays(stack: Stack, knobs: AgentKnobs): Promise<void> {
  await stack.sim('anthropic', 'POST', '/_sim/scenario', {
    agents: Object.fromEntries(AGENT_TYPES.map((a) => [a, knobs])),
  });
}

/** Runs `body` with the Anthropic simulator playing `scenario` (`POST /_sim/scenario`), then resets it. */
export async function withScenario<T>(
  stack: Stack,
  scenario: object,
  body: () => Promise<T>,
): Promise<T> {
  await stack.sim('anthropic', 'POST', '/_sim/scenario', scenario);
  try {
    return await body();
  } finally {
    await stack.sim('anthropic', 'DELETE', '/_sim/scenario');
  }
}
