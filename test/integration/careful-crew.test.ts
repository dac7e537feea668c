/**
 * The crew with workspaces, end to end, with nothing scripted: the sandbox
 * repository (a real Node project), the demo issue through the bridge, the
 * Anthropic simulator's careful engineers using the editor, search and `run`
 * in real bubblewrap workspaces. The branch they leave must pass the
 * project's own test suite when run on its own, outside the system, and each
 * agent's commit holds only what its editor wrote, inside its areas.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import picomatch from 'picomatch';
import { agentWorkflowId } from '../../common/ids.js';
import { resolveAgents, validateRepoConfig } from '../../common/repo-config.js';
import type { AgentType } from '../../common/schemas.js';
import { FULL_CREW_ISSUE } from '../../sandbox/issues.js';
import { parse as parseYaml } from 'yaml';
import { runBlogtube } from '../support/cli-process.js';
import { agentCommits, repoChecks } from '../support/repo-checks.js';
import { makeSandboxRoot } from '../support/sandbox-dirs.js';
import { startStack } from '../support/stack.js';
import { withScenario } from '../support/stack-hooks.js';
import type { Stack } from '../support/stack.js';

let stack: Stack;
let cleanup: () => Promise<void>;
let scratch: string;

beforeAll(async () => {
  const tmp = await makeSandboxRoot('blogtube-crew-');
  cleanup = tmp.cleanup;
  scratch = join(tmp.dir, 'branch');
  stack = await startStack({ workspace: { root: tmp.workspaces } });
});

afterAll(async () => {
  await stack?.stop();
  await cleanup?.();
});

/** Runs the project's test suite on a branch's files, outside the system. */
async function suiteOn(files: Record<string, string>, dir: string) {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const suite = spawnSync('node', ['--test'], { cwd: dir, encoding: 'utf8' });
  return { status: suite.status, tail: suite.stdout.slice(-1500) };
}

/** Activity types an agent's workflow scheduled, with how often. */
async function activityCounts(number: number, agent: AgentType): Promise<Record<string, number>> {
  const ref = { owner: stack.owner, repo: stack.repo, number };
  const handle = stack.client.workflow.getHandle(agentWorkflowId(ref, agent));
  const history = await handle.fetchHistory();
  const counts: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe('the careful crew in workspaces', () => {
  it("leaves a branch that passes the project's own tests, each commit inside its agent's areas", async () => {
    const opened = await stack.openIssue(FULL_CREW_ISSUE);
    const checks = repoChecks(stack);
    const { result, status } = await checks.finished(opened.number);
    expect({ phase: result.phase, failed: result.failedAgents }).toEqual({
      phase: 'done',
      failed: [],
    });
    const agents = status.agents.map((a) => a.agent);
    expect(agents.length).toBeGreaterThanOrEqual(3);

    // Every agent viewed or searched, edited, and ran the tests in its workspace.
    for (const agent of agents) {
      const counts = await activityCounts(opened.number, agent);
      expect({ agent, create: (counts.workspaceCreate ?? 0) > 0 }).toEqual({ agent, create: true });
      expect({ agent, edits: (counts.workspaceEdit ?? 0) >= 2 }).toEqual({ agent, edits: true });
      expect({ agent, runs: (counts.workspaceRun ?? 0) >= 1 }).toEqual({ agent, runs: true });
      expect({ agent, search: (counts.workspaceSearch ?? 0) >= 1 }).toEqual({
        agent,
        search: true,
      });
    }

    // One commit per agent, touching only its own areas.
    const branch = await checks.branch(opened.number);
    const files = await checks.files(branch);
    const config = resolveAgents(
      validateRepoConfig(parseYaml(files['.github/blogtube.yml'] ?? '') as unknown),
    );
    const log = await checks.branchLog(opened.number);
    expect(Object.fromEntries(agentCommits(log))).toEqual(
      Object.fromEntries(agents.map((a) => [a, 1])),
    );
    for (const agent of agents) {
      const commit = log.find((c) => c.message.includes(`BlogTube-Agent: ${agent}`));
      const inArea = picomatch(config[agent].paths, { dot: true });
      const outside = (commit?.files_changed ?? []).filter((f) => !inArea(f));
      expect({ agent, outside }).toEqual({ agent, outside: [] });
    }

    // The branch, checked out on its own, passes the project's test suite.
    expect(await suiteOn(files, join(scratch, 'crew'))).toMatchObject({ status: 0 });
    // Each agent's own new test is part of that suite.
    const agentFiles = log
      .filter((c) => c.message.includes('BlogTube-Agent: '))
      .flatMap((c) => c.files_changed);
    const newTests = agentFiles.filter((f) => f.endsWith('.test.js') && f in files);
    expect(newTests.length).toBeGreaterThanOrEqual(agents.length);
  });

  it('an agent whose first edit breaks its test sees the failure, fixes it and commits the fix', async () => {
    await withScenario(
      stack,
      {
        agents: { backend: { tests: 'break-then-fix' } },
      },
      async () => {
        const opened = await stack.openIssue({
          title: 'Add bookmarks: users can bookmark videos',
          body: 'A bookmarks table in the database and an API endpoint to list bookmarks.',
        });
        const checks = repoChecks(stack);
        const { result, status } = await checks.finished(opened.number);
        expect(result.phase).toBe('done');
        expect(status.agents.map((a) => a.agent)).toContain('backend');
        // The failing run and the passing one: two commands at least, one commit.
        const counts = await activityCounts(opened.number, 'backend');
        expect((counts.workspaceRun ?? 0) >= 2).toBe(true);
        const log = await checks.branchLog(opened.number);
        expect(agentCommits(log).get('backend')).toBe(1);
        const files = await checks.files(await checks.branch(opened.number));
        expect(Object.values(files).some((t) => t.includes('resutl'))).toBe(false);
        expect(await suiteOn(files, join(scratch, 'fixed'))).toMatchObject({ status: 0 });

        // `blogtube status` shows the agent's commands with their output: the failure, then the pass.
        const shown = await runBlogtube(stack, [
          'status',
          `${stack.owner}/${stack.repo}#${opened.number}`,
        ]);
        expect(shown.code).toBe(0);
        const lines = shown.stdout.split('\n');
        const runs = lines.filter((l) => l.startsWith('  backend $ '));
        expect(runs.some((l) => /→ exit code [1-9]\d*,/.test(l))).toBe(true);
        expect(runs.some((l) => /→ exit code 0,/.test(l))).toBe(true);
        expect(lines.some((l) => l.startsWith('    │ ') && /fail|not ok|✖/i.test(l))).toBe(true);
        const json = await runBlogtube(stack, [
          'status',
          `${stack.owner}/${stack.repo}#${opened.number}`,
          '--json',
        ]);
        const commands = (JSON.parse(json.stdout) as { commands: Record<string, unknown[]> })
          .commands;
        expect(commands.backend?.length).toBe(runs.length);
      },
    );
  });
});
