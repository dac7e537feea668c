/**
 * BlogTube on Temporal's real server, as `npm run stack:prod` runs it: the
 * server binary on a private PostgreSQL cluster (persistence and visibility,
 * schemas set up by Temporal's SQL tool, configuration from deploy/temporal/),
 * two orchestrator and two model workers as processes loading the prebuilt
 * workflow bundle. An orchestrator and then the server itself are SIGKILLed
 * mid-run, the server restarted on the same database: each run ends with one
 * PR and one commit per agent, and `blogtube list` still filters by the search
 * attributes. The server, SQL tool and PostgreSQL binaries are cached builds
 * (`node dist/scripts/temporal-server-bin.js` provisions them; CI does in a
 * phase of its own).
 */
import { existsSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { issueWorkflowId } from '../../common/ids.js';
import type { SimRequestRecord } from '../../sandbox/anthropic/state.js';
import { freePort } from '../../scripts/net.js';
import { startCluster, type PostgresCluster } from '../../scripts/postgres.js';
import { setupTemporalSchemas } from '../../scripts/temporal-schema.js';
import { ensureServerTools } from '../../scripts/temporal-server-bin.js';
import {
  serverPorts,
  startTemporalServer,
  type ServerOptions,
  type TemporalServer,
} from '../../scripts/temporal-server.js';
import { runBlogtube } from '../support/cli-process.js';
import { agentCommits, repoChecks } from '../support/repo-checks.js';
import { logsDir } from '../support/secret-scan.js';
import { startStack, type Stack } from '../support/stack.js';
import { makeTempDir } from '../support/tmp.js';
import { spawnWorker, type WorkerKind, type WorkerProcess } from '../support/worker-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ISSUE = {
  title: 'Add an API endpoint that lists playlists',
  body: 'The server needs GET /api/playlists returning the playlists as JSON.',
};

let cleanup: () => Promise<void>;
let pg: PostgresCluster;
let server: TemporalServer;
let serverOptions: ServerOptions;
let stack: Stack;
const workers: WorkerProcess[] = [];

async function startWorker(kind: WorkerKind): Promise<WorkerProcess> {
  const prefix = kind === 'orchestrator' ? 'ORCHESTRATOR' : 'MODEL_WORKER';
  const w = spawnWorker(kind, {
    ...stack.env,
    [`${prefix}_METRICS_PORT`]: String(await freePort()),
    [`${prefix}_CORE_METRICS_PORT`]: '',
    LOG_LEVEL: 'info',
  });
  workers.push(w);
  await w.ready;
  return w;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const modelCalls = async () =>
  (await stack.sim('anthropic', 'GET', '/_sim/requests')) as SimRequestRecord[];

/** The run is done with one commit per agent, one PR and one progress comment. */
async function expectOnePr(n: number) {
  const checks = repoChecks(stack);
  const { result, status } = await checks.finished(n);
  expect(result.phase).toBe('done');
  const commits = agentCommits(await checks.branchLog(n));
  expect([...commits.keys()].sort()).toEqual(status.agents.map((a) => a.agent).sort());
  expect([...commits.values()].every((c) => c === 1)).toBe(true);
  expect(await checks.pullsFor(n)).toHaveLength(1);
  expect(await checks.progressComments(n)).toHaveLength(1);
}

/** `blogtube list` (visibility queries on the search attributes) until it shows these runs. */
async function listed(filters: string[], numbers: number[]): Promise<string[]> {
  const want = numbers.map((number) =>
    issueWorkflowId({ owner: stack.owner, repo: stack.repo, number }),
  );
  let ids: string[] = [];
  await until(`blogtube list ${filters.join(' ')}`, async () => {
    const { code, stdout, stderr } = await runBlogtube(stack, ['list', ...filters, '--json']);
    if (code !== 0) throw new Error(`blogtube list failed (${code}): ${stderr}`);
    ids = (JSON.parse(stdout) as { workflowId: string }[]).map((i) => i.workflowId);
    return want.every((id) => ids.includes(id)) ? true : undefined;
  });
  return ids;
}

beforeAll(async () => {
  const tools = await ensureServerTools({ log: (s) => process.stderr.write(`${s}\n`) });
  const tmp = await makeTempDir('blogtube-real-server-');
  cleanup = tmp.cleanup;
  await chmod(tmp.dir, 0o711); // PostgreSQL's own user (as root) must reach its data directory
  pg = await startCluster({ dir: join(tmp.dir, 'postgres'), port: await freePort() });
  await setupTemporalSchemas(tools.sqlTool, pg.target);
  serverOptions = {
    serverPath: tools.server,
    root: ROOT,
    ports: await serverPorts(0),
    pg: pg.target,
    logFile: join(logsDir(), 'temporal-real-server.log'),
  };
  server = await startTemporalServer(serverOptions);
  stack = await startStack({
    address: server.address,
    inline: { orchestrator: false, model: false },
    ttftMs: 150,
    tokensPerSec: 80,
  });
  await Promise.all([
    startWorker('orchestrator'),
    startWorker('orchestrator'),
    startWorker('model'),
    startWorker('model'),
  ]);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await stack?.stop();
  await server?.stop();
  await pg?.stop();
  await cleanup?.();
});

describe('the real Temporal server on PostgreSQL, workers as processes', () => {
  it('webhook → PR with two orchestrators and two model workers, from the prebuilt bundle', async () => {
    // The orchestrators loaded dist/workflow-bundle.js: none bundled its workflows at start.
    expect(existsSync(join(ROOT, 'dist', 'workflow-bundle.js'))).toBe(true);
    const orchestrators = workers.filter((w) => w.kind === 'orchestrator');
    expect(orchestrators).toHaveLength(2);
    for (const w of orchestrators) expect(w.output()).not.toMatch(/Workflow bundle created/);
    const opened = await stack.openIssue(ISSUE);
    expect(opened.status).toBe(201);
    await expectOnePr(opened.number);
    const repo = `${stack.owner}/${stack.repo}`;
    await listed(['--repo', repo], [opened.number]);
    await listed(['--repo', repo, '--phase', 'done'], [opened.number]);
  });

  it('SIGKILL of an orchestrator, then of the server (restarted on the same PostgreSQL), mid-run: one PR, no duplicate commit, search attributes still answer', async () => {
    // Enough turns for both kills to land while the agent works.
    await stack.sim('anthropic', 'POST', '/_sim/scenario', {
      agents: { backend: { extraTurns: 3 } },
    });
    const opened = await stack.openIssue(ISSUE);
    expect(opened.status).toBe(201);
    const turn = (t: number) => async () =>
      (await modelCalls()).find((r) => r.issue === opened.number && r.turn === t);

    await until('the agent at work', turn(1));
    const [victim] = workers.filter((w) => w.kind === 'orchestrator' && !w.killed());
    await victim!.kill('SIGKILL');

    await until('the agent past its second turn', turn(2));
    process.kill(server.pid, 'SIGKILL');
    await server.exited;
    server = await startTemporalServer(serverOptions);

    await expectOnePr(opened.number);
    const repo = `${stack.owner}/${stack.repo}`;
    const done = await listed(['--repo', repo, '--phase', 'done'], [opened.number]);
    expect(done).toContain(
      issueWorkflowId({ owner: stack.owner, repo: stack.repo, number: opened.number }),
    );
    // Runs of another repository are filtered out.
    const other = await runBlogtube(stack, [
      'list',
      '--repo',
      `${stack.owner}/elsewhere`,
      '--json',
    ]);
    expect(JSON.parse(other.stdout)).toEqual([]);
  });
});
