/**
 * Agents with workspaces, wired end to end: a real run (dev server, bridge,
 * orchestrator, model and workspace workers, the GitHub simulator's tarball)
 * whose model is scripted (sandbox/scripted-model.ts) to call the
 * workspace tools: the editor (view, create, str_replace), search and
 * sandboxed commands under real bubblewrap. Checks the tool contract, the
 * path guard as tool errors, and that each agent's commit holds exactly its
 * editor edits (never what its commands wrote).
 */
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { agentWorkflowId, issueWorkflowId } from '../../common/ids.js';
import type { OutputBlock } from '../../sandbox/anthropic/protocol.js';
import { agentCommits, repoChecks } from '../support/repo-checks.js';
import { startScriptedModel, toolCalls } from '../../sandbox/scripted-model.js';
import type { ScriptedModel, ScriptedRequest } from '../../sandbox/scripted-model.js';
import { makeSandboxRoot } from '../support/sandbox-dirs.js';
import { startStack } from '../support/stack.js';
import type { Stack } from '../support/stack.js';
import { waitFor } from '../support/tmp.js';

const EDIT = 'str_replace_based_edit_tool';

const CONFIG = [
  'version: 1',
  'limits:',
  '  max_turns: 8',
  'protected_paths: ["db/migrations/**"]',
  'agents:',
  "  frontend: { enabled: false, paths: ['web/**'] }",
  "  devops: { enabled: false, paths: ['deploy/**'] }",
  "  documentation: { enabled: false, paths: ['docs/**'] }",
  'workspace:',
  '  test: node --test',
  '  network: none',
  '',
].join('\n');

const SCHEMA = 'CREATE TABLE users (id INTEGER PRIMARY KEY);\n';
const CANCEL_TITLE = 'Rename the users table (cancelled while a command runs)';

/** The issue's title, from the agent's first message. */
function titleOf(req: ScriptedRequest): string {
  return /<title>(.*)<\/title>/.exec(req.messages[0]?.content[0]?.text ?? '')?.[1] ?? '';
}

/** An agent whose command outlasts the test: cancelled while it runs. */
function stuck(req: ScriptedRequest): OutputBlock[] {
  if (req.turn === 0) {
    return toolCalls(0, [[EDIT, { command: 'create', path: 'db/x.sql', file_text: 'x\n' }]]);
  }
  return toolCalls(req.turn, [['run', { command: 'sleep 600' }]]);
}

function database(req: ScriptedRequest): OutputBlock[] {
  if (titleOf(req) === CANCEL_TITLE) return stuck(req);
  switch (req.turn) {
    case 0:
      return toolCalls(0, [
        [EDIT, { command: 'view', path: '/workspace' }],
        ['search', { pattern: 'CREATE TABLE', glob: '*.sql' }],
      ]);
    case 1:
      return toolCalls(1, [
        [EDIT, { command: 'create', path: 'db/notes.sql', file_text: '-- notes\nSELECT 1;\n' }],
        [EDIT, { command: 'create', path: 'api/hack.js', file_text: 'x' }],
        [EDIT, { command: 'create', path: 'db/migrations/001.sql', file_text: 'x' }],
        [
          EDIT,
          { command: 'str_replace', path: 'db/schema.sql', old_str: 'users', new_str: 'accounts' },
        ],
      ]);
    case 2:
      return toolCalls(2, [
        [
          'run',
          {
            command:
              "echo scratch > db/scratch.txt && printf 'appended by a command' >> db/notes.sql && cat db/schema.sql",
          },
        ],
        ['run', { command: 'echo failing >&2; exit 3' }],
      ]);
    default:
      return toolCalls(req.turn, [['finish', { summary: 'renamed users to accounts' }]]);
  }
}

function backend(req: ScriptedRequest): OutputBlock[] {
  switch (req.turn) {
    case 0:
      return toolCalls(0, [
        [EDIT, { command: 'create', path: 'api/notes.js', file_text: 'export const n = 1;\n' }],
        ['run', { command: 'node -e "1" && echo built > api/build.out' }],
      ]);
    default:
      return toolCalls(req.turn, [['finish', { summary: 'notes endpoint' }]]);
  }
}

let stack: Stack;
let model: ScriptedModel;
let cleanup: () => Promise<void>;
let root: string;

beforeAll(async () => {
  model = await startScriptedModel((req) =>
    req.agent === 'backend' ? backend(req) : database(req),
  );
  const tmp = await makeSandboxRoot('blogtube-ws-');
  cleanup = tmp.cleanup;
  root = tmp.dir;
  stack = await startStack({ anthropicUrl: model.url, workspace: { root: tmp.dir } });
  await stack.commitFile('.github/blogtube.yml', CONFIG);
  await stack.commitFile('db/schema.sql', SCHEMA);
});

afterAll(async () => {
  await stack?.stop();
  await model?.close();
  await cleanup?.();
});

/** The tool results the agent sent back after its answer `turn`. */
function resultsAfter(agent: string, turn: number) {
  const next = model.requests.find((r) => r.agent === agent && r.turn === turn + 1);
  const last = next?.messages[next.messages.length - 1];
  return (last?.content ?? []).filter((b) => b.type === 'tool_result');
}

describe('agents with workspaces', () => {
  it('edit, search and run in a real checkout; refused edits are tool errors; each commit holds exactly its editor edits', async () => {
    const opened = await stack.openIssue({
      title: 'Rename the users table',
      body: 'Rename users to accounts and add a notes endpoint.',
    });
    const checks = repoChecks(stack);
    const { result, status } = await checks.finished(opened.number);
    expect(result.phase).toBe('done');

    // The tool contract: editor, search, run, send_message, finish; the test command named.
    const first = model.requests.find((r) => r.agent === 'database' && r.turn === 0);
    expect(first?.tools.map((t) => t.name)).toEqual([
      EDIT,
      'search',
      'run',
      'send_message',
      'finish',
    ]);
    expect(first?.tools[0]).toEqual({ type: 'text_editor_20250728', name: EDIT });
    expect(first?.system.split('\n')).toContain('Test command: node --test');

    const [view, search] = resultsAfter('database', 0);
    expect(view?.is_error).toBeUndefined();
    expect(String(view?.content)).toContain('db/');
    expect(String(search?.content)).toContain('db/schema.sql:1:CREATE TABLE users');

    const [created, outside, protectedPath, replaced] = resultsAfter('database', 1);
    expect(created?.is_error).toBeUndefined();
    expect(outside).toMatchObject({ is_error: true });
    expect(String(outside?.content)).toMatch(/^Refused: .*api\/hack\.js/);
    expect(protectedPath).toMatchObject({ is_error: true });
    expect(String(protectedPath?.content)).toMatch(/protected/);
    expect(replaced?.is_error).toBeUndefined();

    const [ran, failed] = resultsAfter('database', 2);
    expect(String(ran?.content)).toMatch(/^exit code 0, \d+ ms\n\n/);
    expect(String(ran?.content)).toContain('CREATE TABLE accounts');
    expect(ran?.is_error).toBeUndefined();
    expect(String(failed?.content)).toMatch(/^exit code 3, \d+ ms\n\nfailing/);
    expect(failed?.is_error).toBeUndefined(); // a non-zero exit is information, not a tool error

    // One commit per agent, each with only the paths its editor edited.
    const log = await checks.branchLog(opened.number);
    const commits = agentCommits(log);
    expect(Object.fromEntries(commits)).toEqual({ database: 1, backend: 1 });
    const filesOf = (agent: string) =>
      log.find((c) => c.message.includes(`BlogTube-Agent: ${agent}`))?.files_changed.sort();
    expect(filesOf('database')).toEqual(['db/notes.sql', 'db/schema.sql']);
    expect(filesOf('backend')).toEqual(['api/notes.js']);
    expect(status.agents.map((a) => a.files)).toEqual([
      ['db/notes.sql', 'db/schema.sql'],
      ['api/notes.js'],
    ]);
    const files = await checks.files(await checks.branch(opened.number));
    expect(files['db/notes.sql']).toBe('-- notes\nSELECT 1;\n'); // not what the command appended
    expect(files['db/schema.sql']).toBe('CREATE TABLE accounts (id INTEGER PRIMARY KEY);\n');
    expect(files['db/scratch.txt']).toBeUndefined();
    expect(files['api/build.out']).toBeUndefined();
    expect(files['api/hack.js']).toBeUndefined();
    expect(files['db/migrations/001.sql']).toBeUndefined();
  });

  it('a cancelled agent’s workspace is removed, its running command killed', async () => {
    const opened = await stack.openIssue({
      title: CANCEL_TITLE,
      body: 'Rename users to accounts and add a notes endpoint.',
    });
    const checks = repoChecks(stack);
    const agent = stack.client.workflow.getHandle(
      agentWorkflowId(checks.ref(opened.number), 'database'),
    );
    await waitFor(
      async () => {
        const d = await agent.describe().catch(() => undefined);
        return (d?.raw.pendingActivities ?? []).some(
          (a) => a.activityType?.name === 'workspaceRun' && a.lastWorkerIdentity,
        );
      },
      60_000,
      'the agent’s command running',
    );
    expect(await readdir(join(root, 'ws'))).toHaveLength(1);
    const run = stack.client.workflow.getHandle(issueWorkflowId(checks.ref(opened.number)));
    await run.cancel();
    await expect(run.result()).rejects.toThrow(/cancel/i);
    await expect(agent.result()).rejects.toThrow(/cancel/i);
    await waitFor(async () => (await readdir(join(root, 'ws'))).length === 0, 30_000, 'removal');
    // The sandboxed `sleep 600` is gone with it.
    await waitFor(
      () => !/sleep 600/.test(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })),
      30_000,
      'the sandboxed command to end',
    );
  });
});
