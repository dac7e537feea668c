/**
 * The Temporal server itself goes away mid-run and comes back (persistent
 * SQLite database, same port): workers and clients reconnect on their own and
 * the run completes as if nothing happened. Uses its own dev server, since the
 * suite's shared one must stay up for the other test files.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { SimRequestRecord } from '../../sandbox/anthropic/state.js';
import { startDevServer } from '../../scripts/dev-server.js';
import type { DevServer } from '../../scripts/dev-server.js';
import { freePort } from '../../scripts/net.js';
import { agentCommits, repoChecks } from '../support/repo-checks.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';
import { makeTempDir } from '../support/tmp.js';

let server: DevServer;
let stack: Stack;
let cleanup: () => Promise<void>;
let serverOptions: Parameters<typeof startDevServer>[0];

beforeAll(async () => {
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) throw new Error('TEMPORAL_CLI_PATH is not set (global setup sets it)');
  const tmp = await makeTempDir();
  cleanup = tmp.cleanup;
  serverOptions = {
    cliPath,
    port: await freePort(),
    uiPort: false,
    dbFile: join(tmp.dir, 'temporal.db'),
  };
  server = await startDevServer(serverOptions);
  stack = await startStack({ address: server.address, ttftMs: 200, tokensPerSec: 80 });
});

afterAll(async () => {
  await stack?.stop();
  await server?.stop();
  await cleanup?.();
});

it('a dev server stopped and restarted mid-run: the run completes with one commit per agent and one PR', async () => {
  const opened = await stack.openIssue({
    title: 'Add an API endpoint that lists playlists',
    body: 'The server needs GET /api/playlists returning the playlists as JSON.',
  });
  expect(opened.status).toBe(201);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const calls = (await stack.sim('anthropic', 'GET', '/_sim/requests')) as SimRequestRecord[];
    if (calls.some((r) => r.issue === opened.number && r.turn === 1)) break;
    if (Date.now() > deadline) throw new Error('the agent never got to its second turn');
    await new Promise((r) => setTimeout(r, 100));
  }

  await server.stop();
  await new Promise((r) => setTimeout(r, 2000));
  server = await startDevServer(serverOptions);

  const checks = repoChecks(stack);
  const { result, status } = await checks.finished(opened.number);
  expect(result.phase).toBe('done');
  const commits = agentCommits(await checks.branchLog(opened.number));
  expect([...commits.keys()]).toEqual(status.agents.map((a) => a.agent));
  expect([...commits].filter(([, c]) => c !== 1)).toEqual([]); // [agent, commits] if not one
  expect(await checks.pullsFor(opened.number)).toHaveLength(1);
  expect(await checks.progressComments(opened.number)).toHaveLength(1);
});
