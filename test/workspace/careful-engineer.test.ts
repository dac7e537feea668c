/**
 * The Anthropic simulator's careful engineer on a real checkout of the
 * sandbox project: driven through the real Anthropic SDK, its tool calls run
 * by the workspace building blocks (the editor, ripgrep search, commands
 * under bubblewrap), the checkout made from the GitHub simulator's tarball
 * of a repository seeded with the project.
 * Each agent type views, searches, edits an existing file with str_replace,
 * adds a test and runs the suite until it passes; the tree it leaves passes
 * `node --test` run on its own. The `tests` knobs make the first edit break
 * a test, then fix it from the failure output, or fail to.
 */
import { spawnSync } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Anthropic from '@anthropic-ai/sdk';
import type {
  MessageParam,
  ToolResultBlockParam,
  ToolUnion,
} from '@anthropic-ai/sdk/resources/messages';
import { Octokit } from '@octokit/rest';
import { parse } from 'yaml';
import { RepoConfig, resolveAgents, WorkspaceConfig } from '../../common/repo-config.js';
import type { Staged } from '../../common/path-guard.js';
import type { AgentType } from '../../common/schemas.js';
import { buildSystem, firstUserMessage, TOOLS } from '../../common/text/prompts.js';
import { EDITOR_TOOL, runEditor, type EditorInput } from '../../activities/workspace/editor.js';
import { runSandboxed, type WorkspaceDirs } from '../../activities/workspace/sandbox.js';
import { searchCheckout, type SearchInput } from '../../activities/workspace/search.js';
import { WorkspaceStore } from '../../activities/workspace/workspaces.js';
import { adminCall } from '../../sandbox/admin-client.js';
import type { AgentKnobs } from '../../sandbox/anthropic/agent-player.js';
import {
  SANDBOX_API_KEY,
  startAnthropicSim,
  type AnthropicSim,
} from '../../sandbox/anthropic/server.js';
import { filesUnder, projectDir } from '../../sandbox/github/project.js';
import { SANDBOX_TOKENS, startGitHubSim, type GitHubSim } from '../../sandbox/github/server.js';
import { MODEL, promptContext } from '../sandbox/anthropic-sim-harness.js';
import { makeTempDir } from '../support/tmp.js';

/** A repository seeded with the project on `main` (`POST /_sim/repos`: the seed). */
const repo = { owner: 'careful', repo: 'blogtube' };
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const ISSUE = {
  number: 42,
  title: 'Add playlists: users can group videos into playlists',
  body: 'A playlist has a name and holds videos of posts.',
};

/** The tools as the contract offers them: editor, search, run, then send_message and finish. */
const AGENT_TOOLS: ToolUnion[] = [
  EDITOR_TOOL as ToolUnion,
  {
    name: 'search',
    description: 'Search the checkout with ripgrep.',
    input_schema: {
      type: 'object',
      properties: {
        pattern: { type: 'string' },
        glob: { type: 'string' },
        path: { type: 'string' },
        case_insensitive: { type: 'boolean' },
      },
      required: ['pattern'],
    },
  },
  {
    name: 'run',
    description: 'Run a command with bash -c in the checkout, sandboxed.',
    input_schema: {
      type: 'object',
      properties: { command: { type: 'string' }, timeout_seconds: { type: 'integer' } },
      required: ['command'],
    },
  },
  ...TOOLS.filter((t) => t.name === 'send_message' || t.name === 'finish'),
];

let github: GitHubSim;
let anthropic: AnthropicSim;
let client: Anthropic;
let store: WorkspaceStore;
let sha: string;
let tmp: { dir: string; cleanup: () => Promise<void> };
let projectFiles: string[];

beforeAll(async () => {
  github = await startGitHubSim({ port: 0 });
  anthropic = await startAnthropicSim({ port: 0 });
  client = new Anthropic({ apiKey: SANDBOX_API_KEY, baseURL: anthropic.url, maxRetries: 0 });
  await adminCall(github.url, 'POST', '/_sim/repos', repo);
  const reader = new Octokit({ baseUrl: github.url, auth: SANDBOX_TOKENS.bot, log: quiet });
  const { data: main } = await reader.repos.getBranch({ ...repo, branch: 'main' });
  sha = main.commit.sha;
  tmp = await makeTempDir('blogtube-careful-');
  await chmod(tmp.dir, 0o755);
  ({ store } = await WorkspaceStore.open(
    join(tmp.dir, 'root'),
    new Octokit({ baseUrl: github.url, log: quiet }),
  ));
  projectFiles = await filesUnder(projectDir());
});

afterAll(async () => {
  await anthropic.close();
  await github.close();
  await tmp.cleanup();
});

interface Call {
  name: string;
  input: Record<string, unknown>;
  result: string;
  isError: boolean;
}

interface Session {
  dirs: WorkspaceDirs;
  writable: string[];
  calls: Call[];
  runs: { exitCode: number; output: string }[];
  summary?: string;
}

/** One agent's whole session: a fresh workspace, the model's turns, its tool calls executed for real. */
async function session(
  agent: AgentType,
  knobs: AgentKnobs = {},
  crew: { dirs?: WorkspaceDirs; done?: { agent: AgentType; summary: string }[] } = {},
): Promise<Session> {
  await adminCall(anthropic.url, 'POST', '/_sim/scenario', { agents: { [agent]: knobs } });
  const dirs =
    crew.dirs ?? (await store.create(`careful-${agent}-${knobs.tests ?? 'plain'}`, repo, sha));
  const config = RepoConfig.parse(
    parse(await readFile(join(dirs.checkout, '.github/blogtube.yml'), 'utf8')),
  );
  const ws = WorkspaceConfig.parse(config.workspace ?? {});
  const writable = resolveAgents(config)[agent].paths;
  const setup = await runSandboxed(dirs, ws.setup ?? 'true', { limits: ws.limits });
  expect(setup.exitCode).toBe(0);

  const ctx = {
    ...promptContext({ agent, issue: ISSUE }),
    writablePaths: writable,
    dependencySummaries: crew.done ?? [],
  };
  const messages: MessageParam[] = [
    { role: 'user', content: `${firstUserMessage(ctx)}\nTest command: ${ws.test ?? 'npm test'}` },
  ];
  const out: Session = { dirs, writable, calls: [], runs: [] };
  const staged: Staged[] = [];
  const execute = async (
    name: string,
    input: Record<string, unknown>,
  ): Promise<[string, boolean]> => {
    switch (name) {
      case EDITOR_TOOL.name: {
        const rules = {
          allowed: writable,
          protectedPaths: [],
          maxFileBytes: 100_000,
          maxFiles: 20,
        };
        const r = await runEditor(
          { checkout: dirs.checkout, rules, staged, own: (p) => store.own(p) },
          input as unknown as EditorInput,
        );
        if (!r.ok) return [r.error, true];
        if (r.edit) staged.push({ path: r.edit.op.path, bytes: r.edit.bytes });
        return [r.output, false];
      }
      case 'search': {
        const r = await searchCheckout(dirs.checkout, input as unknown as SearchInput);
        return r.ok ? [r.output, false] : [r.error, true];
      }
      case 'run': {
        const r = await runSandboxed(dirs, String(input.command), { limits: ws.limits });
        out.runs.push({ exitCode: r.exitCode, output: r.output });
        const killed = r.killed ? `, killed: ${r.killed}` : '';
        return [`exit code ${r.exitCode}, ${r.durationMs} ms${killed}\n\n${r.output}`, false];
      }
      case 'send_message':
        return [`queued for ${String(input.to)}`, false];
      case 'finish':
        out.summary = String(input.summary);
        return ['finished', false];
      default:
        return [`unknown tool ${name}`, true];
    }
  };
  for (let turn = 0; turn < config.limits.max_turns && out.summary === undefined; turn++) {
    const reply = await client.messages.create({
      model: MODEL,
      max_tokens: 8192,
      system: buildSystem(ctx),
      tools: AGENT_TOOLS,
      messages,
    });
    messages.push({ role: 'assistant', content: reply.content });
    const results: ToolResultBlockParam[] = [];
    for (const block of reply.content) {
      if (block.type !== 'tool_use') continue;
      const input = block.input as Record<string, unknown>;
      const [result, isError] = await execute(block.name, input);
      out.calls.push({ name: block.name, input, result, isError });
      results.push({
        type: 'tool_result',
        tool_use_id: block.id,
        content: result,
        is_error: isError,
      });
    }
    if (results.length === 0) break;
    messages.push({ role: 'user', content: results });
  }
  return out;
}

const editorCalls = (s: Session, command: string): Call[] =>
  s.calls.filter((c) => c.name === EDITOR_TOOL.name && c.input.command === command);

/** `node --test` in the checkout, outside the system (the worker's own node, no sandbox). */
function suite(s: Session): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, ['--test'], {
    cwd: s.dirs.checkout,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('each agent type works like a careful engineer on the real project', () => {
  it.each(['database', 'backend', 'frontend', 'devops', 'documentation'] as const)(
    '%s: views, searches, edits an existing file, adds a test, runs the suite green',
    async (agent) => {
      const s = await session(agent);
      expect(s.calls.every((c) => !c.isError)).toBe(true);
      expect(editorCalls(s, 'view').length).toBeGreaterThanOrEqual(2);
      expect(s.calls.some((c) => c.name === 'search')).toBe(true);
      const replaced = editorCalls(s, 'str_replace').map((c) => String(c.input.path));
      expect(replaced.length).toBeGreaterThan(0);
      for (const path of replaced) expect(projectFiles).toContain(path); // an existing file
      const created = editorCalls(s, 'create').map((c) => String(c.input.path));
      expect(created.some((p) => p.endsWith('.test.js'))).toBe(true);
      const { matchesAny } = await import('../../sandbox/anthropic/paths.js');
      for (const p of [...replaced, ...created]) expect(matchesAny(p, s.writable)).toBe(true);
      // It ran the suite after its edits, read exit code 0, and only then finished.
      expect(s.runs.map((r) => r.exitCode)).toEqual([0]);
      expect(s.calls.at(-1)?.name).toBe('finish');
      expect(s.summary).toMatch(/`npm test` passes \(exit code 0\)/);
      const independent = suite(s);
      expect(independent.output).toMatch(/# fail 0/);
      expect(independent.output).toMatch(/ok \d+ - .*\(\\?#42\)/); // its own test ran too
      expect(independent.status).toBe(0);
    },
  );
});

describe('the tests knobs', () => {
  it('break-then-fix: the first edit breaks a test, the failure output leads to the fix', async () => {
    const s = await session('backend', { tests: 'break-then-fix' });
    expect(s.runs.map((r) => r.exitCode)).toEqual([1, 0]);
    expect(s.runs[0]?.output).toContain('resutl is not defined');
    const firstRun = s.calls.findIndex((c) => c.name === 'run');
    const after = s.calls.slice(firstRun + 1);
    expect(after.find((c) => c.name === 'search')?.input.pattern).toBe('\\bresutl\\b');
    const fix = after.find((c) => c.name === EDITOR_TOOL.name && c.input.command === 'str_replace');
    expect(fix?.input).toMatchObject({ path: 'api/app.js' });
    expect(String(fix?.input.new_str)).toContain('send(res, 200, result)');
    expect(s.summary).toMatch(/passes \(exit code 0\), after fixing/);
    const independent = suite(s);
    expect(independent.status).toBe(0);
  });

  it('cannot-fix: it keeps trying, then finishes saying the suite still fails', async () => {
    const s = await session('database', { tests: 'cannot-fix' });
    expect(s.runs.length).toBe(3); // the broken edit, then two wrong fixes
    expect(s.runs.every((r) => r.exitCode !== 0)).toBe(true);
    const fixes = s.calls
      .slice(s.calls.findIndex((c) => c.name === 'run'))
      .filter((c) => c.name === EDITOR_TOOL.name && c.input.command === 'str_replace');
    expect(fixes.length).toBe(2);
    expect(s.summary).toMatch(/Tests still failing: `npm test` \(exit code 1\)/);
    const independent = suite(s);
    expect(independent.status).not.toBe(0);
    expect(independent.output).toMatch(/is not defined/);
  });
});

describe('the project seed', () => {
  it('a seeded repository has exactly the project on main, in two commits', async () => {
    const files = (await adminCall(
      github.url,
      'GET',
      `/_sim/repos/${repo.owner}/${repo.repo}/files?ref=main`,
    )) as Record<string, string>;
    expect(Object.keys(files).sort()).toEqual(projectFiles);
    expect(files['.github/blogtube.yml']).toContain('test: npm test');
    const log = (await adminCall(
      github.url,
      'GET',
      `/_sim/repos/${repo.owner}/${repo.repo}/log?ref=main`,
    )) as {
      files_changed: string[];
    }[];
    expect(log.map((c) => c.files_changed.length).reduce((a, b) => a + b)).toBe(
      projectFiles.length,
    );
    expect(log[0]?.files_changed).toContain('.github/blogtube.yml');
    expect(log[1]?.files_changed).toContain('api/app.js');
  });
});

describe('the crew on one branch', () => {
  it('five agents in dependency order, each on the tree the previous left: the suite passes', async () => {
    const dirs = await store.create('careful-crew', repo, sha);
    const done: { agent: AgentType; summary: string }[] = [];
    for (const agent of ['database', 'backend', 'frontend', 'devops', 'documentation'] as const) {
      const s = await session(agent, {}, { dirs, done: [...done] });
      expect(s.runs.at(-1)?.exitCode).toBe(0);
      done.push({ agent, summary: s.summary ?? '' });
    }
    const docs = await readFile(join(dirs.checkout, 'docs/api.md'), 'utf8');
    expect(docs).toContain('## Add playlists: users can group videos into playlists (#42)');
    expect(docs).toContain('- `GET /api/playlists` answers 200 with the playlists, oldest first');
    expect(docs).toContain('- `BLOGTUBE_PLAYLISTS=off` switches it off in a deployment');
    expect(docs).toContain('- Changed by the database, backend, frontend, devops agents.');
    // The backend used the database agent's module; devops set the default in the image.
    const app = await readFile(join(dirs.checkout, 'api/app.js'), 'utf8');
    expect(app).toContain("import { createPost, listPosts, listPlaylists } from '../db/index.js';");
    expect(app).toContain('const result = listPlaylists(store);');
    expect(await readFile(join(dirs.checkout, 'deploy/Dockerfile'), 'utf8')).toContain(
      'ENV PORT=8080\nENV BLOGTUBE_PLAYLISTS=on\n',
    );
    const independent = suite({ dirs } as Session);
    expect(independent.output).toMatch(/# pass (1[5-9]|[2-9]\d)\n# fail 0/); // 10 of the project + 5 new
    expect(independent.status).toBe(0);
  }, 600_000); // five sessions, each running the suite: minutes on a loaded machine
});
