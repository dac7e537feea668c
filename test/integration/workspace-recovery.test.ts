/**
 * Workspace workers as real processes: one is SIGKILLed while the agent's
 * command runs in its sandbox. The agent notices (the call stops heartbeating
 * on that worker's own queue), makes its workspace again on the other worker
 * from the same commit plus its recorded edits, runs the command again, and
 * goes on: no finished turn repeated, no edit lost, one commit. A worker
 * started on the dead one's root removes what it left; a worker that cannot
 * sandbox refuses to start with commands on.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { agentWorkflowId } from '../../common/ids.js';
import type { OutputBlock } from '../../sandbox/anthropic/protocol.js';
import { databaseOnlyConfig } from '../support/configs.js';
import { agentCommits, repoChecks } from '../support/repo-checks.js';
import { startScriptedModel, toolCalls } from '../../sandbox/scripted-model.js';
import type { ScriptedModel, ScriptedRequest } from '../../sandbox/scripted-model.js';
import { makeSandboxRoot } from '../support/sandbox-dirs.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';
import { waitFor } from '../support/tmp.js';
import { pidOfIdentity, spawnWorker } from '../support/worker-process.js';
import type { WorkerProcess } from '../support/worker-process.js';

const EDIT = 'str_replace_based_edit_tool';
const CONFIG = `${databaseOnlyConfig(8)}workspace:\n  test: node --test\n`;

function database(req: ScriptedRequest): OutputBlock[] {
  switch (req.turn) {
    case 0:
      return toolCalls(0, [[EDIT, { command: 'create', path: 'db/a.sql', file_text: 'one\n' }]]);
    case 1:
      return toolCalls(1, [['run', { command: 'sleep 6; cat db/a.sql; echo slept' }]]);
    case 2:
      return toolCalls(2, [
        [EDIT, { command: 'str_replace', path: 'db/a.sql', old_str: 'one', new_str: 'one\ntwo' }],
      ]);
    default:
      return toolCalls(req.turn, [['finish', { summary: 'a.sql' }]]);
  }
}

let stack: Stack;
let model: ScriptedModel;
let root: string;
let cleanup: () => Promise<void>;
const workers: WorkerProcess[] = [];

async function startWorkspaceWorker(
  name: string,
  env: NodeJS.ProcessEnv = {},
): Promise<WorkerProcess> {
  const w = spawnWorker('workspace', {
    ...stack.env,
    WORKSPACE_ROOT: join(root, name),
    WORKSPACE_WORKER_METRICS_PORT: '0',
    WORKSPACE_WORKER_CORE_METRICS_PORT: '',
    ...env,
  });
  workers.push(w);
  await w.ready;
  return w;
}

beforeAll(async () => {
  model = await startScriptedModel(database);
  const tmp = await makeSandboxRoot('blogtube-wsr-');
  root = tmp.dir;
  cleanup = tmp.cleanup;
  stack = await startStack({
    anthropicUrl: model.url,
    workspace: { root: join(root, 'unused'), inline: false },
  });
  await stack.commitFile('.github/blogtube.yml', CONFIG);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await stack?.stop();
  await model?.close();
  await cleanup?.();
});

describe('workspace workers as processes', () => {
  it('a worker without bubblewrap refuses to start with commands on, naming the fix; with commands off it starts', async () => {
    const refused = spawnWorker('workspace', {
      ...stack.env,
      PATH: '/nonexistent',
      WORKSPACE_ROOT: join(root, 'nobwrap'),
      WORKSPACE_WORKER_METRICS_PORT: '0',
      WORKSPACE_WORKER_CORE_METRICS_PORT: '',
    });
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    expect(refused.output()).toContain('bubblewrap (bwrap) is not installed');
    expect(refused.output()).toContain('apt-get install bubblewrap');
    expect(refused.output()).toContain('workspace.commands: off');

    const off = await startWorkspaceWorker('nobwrap-off', {
      PATH: '/nonexistent',
      WORKSPACE_COMMANDS: 'off',
    });
    expect(off.output()).toMatch(/workspace worker polling/);
    await off.kill('SIGTERM');
  });

  it('SIGKILL of the workspace worker while the agent’s command runs: rebuilt on the other worker, no turn repeated, no edit lost, one commit', async () => {
    const [a, b] = await Promise.all([startWorkspaceWorker('a'), startWorkspaceWorker('b')]);
    const opened = await stack.openIssue({ title: 'Add a.sql', body: 'Add db/a.sql.' });
    const checks = repoChecks(stack);
    const agent = stack.client.workflow.getHandle(
      agentWorkflowId(checks.ref(opened.number), 'database'),
    );

    // The process running the command, from the activity's worker identity.
    let victim: WorkerProcess | undefined;
    await waitFor(
      async () => {
        const d = await agent.describe().catch(() => undefined);
        const run = d?.raw.pendingActivities?.find(
          (p) => p.activityType?.name === 'workspaceRun' && p.lastWorkerIdentity,
        );
        const pid = pidOfIdentity(run?.lastWorkerIdentity);
        victim = [a, b].find((w) => w.pid === pid);
        return victim !== undefined;
      },
      90_000,
      'the agent’s command running on a workspace worker',
    );
    const victimRoot = victim === a ? 'a' : 'b';
    await victim!.kill('SIGKILL');
    const killedAt = Date.now();

    const { result, status } = await checks.finished(opened.number);
    expect(result.phase).toBe('done');

    // No finished turn repeated: each of the agent's four answers asked for once.
    expect(model.requests.map((r) => r.turn)).toEqual([0, 1, 2, 3]);
    // The command ran again on the rebuilt workspace, whose earlier edit was intact.
    const runResult = model.requests[2]?.messages.at(-1)?.content[0];
    expect(String(runResult?.content)).toMatch(/^exit code 0, \d+ ms\n\none\nslept\n$/);
    const edited = model.requests[3]?.messages.at(-1)?.content[0];
    expect(edited?.is_error).toBeUndefined();

    // One commit, with both edits.
    const log = await checks.branchLog(opened.number);
    expect(Object.fromEntries(agentCommits(log))).toEqual({ database: 1 });
    const files = await checks.files(await checks.branch(opened.number));
    expect(files['db/a.sql']).toBe('one\ntwo\n');
    expect(status.agents.find((s) => s.agent === 'database')?.attempts).toBe(1);

    // The workspace was made twice, the second time by the surviving worker.
    const history = await agent.fetchHistory();
    const created = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'workspaceCreate',
    );
    expect(created).toHaveLength(2);
    const runs = (history.events ?? [])
      .map((e, i) => ({ e, i }))
      .filter(
        ({ e }) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'workspaceRun',
      );
    expect(runs).toHaveLength(2);
    const started = (history.events ?? []).filter(
      (e) =>
        e.activityTaskStartedEventAttributes &&
        String(e.activityTaskStartedEventAttributes.scheduledEventId) ===
          String(runs[1]?.e.eventId),
    );
    const survivor = victim === a ? b : a;
    expect(pidOfIdentity(started[0]?.activityTaskStartedEventAttributes?.identity)).toBe(
      survivor.pid,
    );
    const at = started[0]?.eventTime;
    const rerunAt = Number(String(at?.seconds)) * 1000 + Math.round((at?.nanos ?? 0) / 1e6);
    process.stderr.write(
      `[workspace-recovery] workspace worker SIGKILL → command running again on the other worker in ${rerunAt - killedAt} ms\n`,
    );

    // The dead worker's workspace is still on disk until a worker takes its root.
    expect(await readdir(join(root, victimRoot, 'ws'))).toHaveLength(1);
    const successor = await startWorkspaceWorker(victimRoot);
    expect(await readdir(join(root, victimRoot, 'ws'))).toEqual([]);
    await successor.kill('SIGTERM');
    // The survivor removed the agent's workspace when the agent ended.
    expect(await readdir(join(root, victimRoot === 'a' ? 'b' : 'a', 'ws'))).toEqual([]);
  });
});
