/**
 * Workspace bench: sandbox overhead per command against the same command run
 * bare (median added ms, ratio; goal under 15 ms), for an agent's commands
 * (its workspace's sandbox session) and for a command in a sandbox of its own,
 * and an agent's first command (the session's sandbox made), and workspace ready time
 * (tarball through Octokit from the GitHub simulator + extract + copy, cold and
 * cached; and ready for the agent's first turn, setup included: cold = new
 * worker root, tarball downloaded and setup run; cached = tree and setup
 * result reused, as `workspaceCreate` does), p50/p99.
 *
 *   node dist/bench/sandbox.js [--runs N] [--out DIR]
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOctokit } from '../common/github-client.js';
import { WorkspaceConfig } from '../common/repo-config.js';
import { runSandboxed, type WorkspaceDirs } from '../activities/workspace/sandbox.js';
import { SandboxSessions } from '../activities/workspace/sandbox-session.js';
import { WorkspaceStore } from '../activities/workspace/workspaces.js';
import { sandboxEnv } from '../activities/workspace/pure/sandbox-plan.js';
import { pushProject } from '../sandbox/github/project.js';
import { SANDBOX_TOKENS, startGitHubSim } from '../sandbox/github/server.js';
import { fmtMs, pct, summarize, type Summary } from './stats.js';
import { benchMain } from './support/main.js';

export interface SandboxBench {
  startedAt: string;
  runs: number;
  /** Per command: bare, in a sandbox of its own (setup, checks), in a session (an agent's commands). */
  overhead: {
    command: string;
    bare: Summary;
    sandboxed: Summary;
    session: Summary;
    /** Session p50 minus bare p50: the goal's measure (an agent's commands take this path). */
    addedMedianMs: number;
    ratio: number;
    addedOwnSandboxMs: number;
    ratioOwnSandbox: number;
  }[];
  /** An agent's first command in a workspace: the session's sandbox made, then the command. */
  firstCommand: { command: string; session: Summary; bare: Summary };
  ready: {
    cold: Summary;
    cached: Summary;
    withSetup: Summary;
    setupCommand: string;
    /** Tarball + extract + copy + setup run, on a new worker root (nothing cached). */
    readyCold: Summary;
    /** Cached tree + setup result restored (setup-cache.ts). */
    readyCached: Summary;
  };
}

function bare(command: string, cwd: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, env: sandboxEnv(), stdio: 'pipe' });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', () => resolve(performance.now() - started));
  });
}

export async function runSandboxBench(runs: number): Promise<SandboxBench> {
  const root = mkdtempSync(join(tmpdir(), 'blogtube-bench-ws-'));
  chmodSync(root, 0o755);
  const sim = await startGitHubSim({ port: 0 });
  const repo = { owner: 'blogtube', repo: 'blogtube' };
  try {
    const github = createOctokit(sim.url, SANDBOX_TOKENS.bot);
    const sha = await pushProject(github, repo, 'bench-project');
    const limits = WorkspaceConfig.parse({}).limits;

    const cold: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { store } = await WorkspaceStore.open(join(root, `cold-${i}`), github);
      const t0 = performance.now();
      await store.create('agent', repo, sha);
      cold.push(performance.now() - t0);
    }
    const { store } = await WorkspaceStore.open(join(root, 'warm'), github);
    await store.create('warm-up', repo, sha);
    const cached: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await store.create(`agent-${i}`, repo, sha);
      cached.push(performance.now() - t0);
      await store.remove(`agent-${i}`);
    }
    const setupCommand = 'npm ci --offline --no-audit --no-fund';
    const withSetup: number[] = [];
    for (let i = 0; i < Math.min(runs, 10); i++) {
      const t0 = performance.now();
      const dirs = await store.create(`setup-${i}`, repo, sha);
      const r = await runSandboxed(dirs, setupCommand, { limits });
      if (r.exitCode !== 0) throw new Error(`setup failed: ${r.output}`);
      withSetup.push(performance.now() - t0);
      await store.remove(`setup-${i}`);
    }

    // Ready for the first turn, as workspaceCreate makes it: checkout, then setup (or its reuse).
    const config = WorkspaceConfig.parse({ setup: setupCommand, network: 'none' });
    const ready = async (
      s: WorkspaceStore,
      id: string,
    ): Promise<{ ms: number; reused: boolean }> => {
      const t0 = performance.now();
      const dirs = await s.create(id, repo, sha);
      const prepared = await s.setup.prepare(
        dirs,
        { ref: repo, command: setupCommand, network: false, inputs: config.setup_inputs },
        () => runSandboxed(dirs, setupCommand, { limits }),
      );
      const ms = performance.now() - t0;
      if (!prepared.reused && prepared.result.exitCode !== 0) throw new Error('setup failed');
      await s.remove(id);
      return { ms, reused: prepared.reused };
    };
    const readyCold: number[] = [];
    for (let i = 0; i < Math.min(runs, 10); i++) {
      const { store: fresh } = await WorkspaceStore.open(join(root, `ready-cold-${i}`), github);
      const r = await ready(fresh, 'agent');
      if (r.reused) throw new Error('a new root reused a setup result');
      readyCold.push(r.ms);
    }
    const { store: reuse } = await WorkspaceStore.open(join(root, 'ready-cached'), github);
    await ready(reuse, 'first');
    const readyCached: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await ready(reuse, `agent-${i}`);
      if (!r.reused) throw new Error('setup ran again with unchanged inputs');
      readyCached.push(r.ms);
    }

    const dirs: WorkspaceDirs = await store.create('overhead', repo, sha);
    const sessions = new SandboxSessions({ binDir: join(root, 'bin') });
    const timed = async (f: () => Promise<unknown>): Promise<number> => {
      const t0 = performance.now();
      await f();
      return performance.now() - t0;
    };
    const overhead: SandboxBench['overhead'] = [];
    const added = (a: number[], b: number[]) => Math.round((pct(a, 50) - pct(b, 50)) * 10) / 10;
    const ratio = (a: number[], b: number[]) => Math.round((pct(a, 50) / pct(b, 50)) * 100) / 100;
    for (const command of ['true', 'node -e 0', 'node --test']) {
      const b: number[] = [];
      const s: number[] = [];
      const ss: number[] = [];
      const n = command.includes('--test') ? Math.min(runs, 10) : runs * 2;
      for (let i = 0; i < n; i++) {
        // Interleaved, so machine noise hits all three alike.
        b.push(await bare(command, dirs.checkout));
        s.push(await timed(() => runSandboxed(dirs, command, { limits })));
        ss.push(await timed(() => sessions.run('overhead', dirs, command, { limits })));
      }
      overhead.push({
        command,
        bare: summarize(b),
        sandboxed: summarize(s),
        session: summarize(ss),
        addedMedianMs: added(ss, b),
        ratio: ratio(ss, b),
        addedOwnSandboxMs: added(s, b),
        ratioOwnSandbox: ratio(s, b),
      });
    }
    const first: number[] = [];
    const firstBare: number[] = [];
    for (let i = 0; i < runs; i++) {
      sessions.close('overhead');
      firstBare.push(await bare('true', dirs.checkout));
      first.push(await timed(() => sessions.run('overhead', dirs, 'true', { limits })));
    }
    sessions.closeAll();
    return {
      startedAt: new Date().toISOString(),
      runs,
      overhead,
      firstCommand: { command: 'true', session: summarize(first), bare: summarize(firstBare) },
      ready: {
        cold: summarize(cold),
        cached: summarize(cached),
        withSetup: summarize(withSetup),
        setupCommand,
        readyCold: summarize(readyCold),
        readyCached: summarize(readyCached),
      },
    };
  } finally {
    await sim.close();
    rmSync(root, { recursive: true, force: true });
  }
}

export function sandboxMarkdown(r: SandboxBench): string {
  const rows = r.overhead.map(
    (o) =>
      `| \`${o.command}\` | ${fmtMs(o.bare.p50)} | ${fmtMs(o.session.p50)} | **${o.addedMedianMs} ms** | ${o.ratio}× | ${fmtMs(o.sandboxed.p50)} | ${o.addedOwnSandboxMs} ms | ${o.ratioOwnSandbox}× |`,
  );
  const f = r.firstCommand;
  const ready = (name: string, s: Summary) =>
    `| ${name} | ${s.n} | ${fmtMs(s.p50)} | ${fmtMs(s.p99)} |`;
  return [
    `# Workspace bench ${r.startedAt}`,
    '',
    "Session: an agent's commands, in its workspace's sandbox session (the goal's measure: added under 15 ms). " +
      'Own sandbox: a sandbox made for the command (setup, checks).',
    '',
    '| Command | Bare p50 | Session p50 | Added (median) | Ratio | Own sandbox p50 | Added | Ratio |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `An agent's first command in a workspace (\`${f.command}\`, its session's sandbox made): ` +
      `p50 ${fmtMs(f.session.p50)}, p99 ${fmtMs(f.session.p99)} (bare p50 ${fmtMs(f.bare.p50)}).`,
    '',
    '| Workspace ready | n | p50 | p99 |',
    '| --- | --- | --- | --- |',
    ready('cold (tarball + extract + copy)', r.ready.cold),
    ready('cached (copy of the cached tree)', r.ready.cached),
    ready(`cached + setup (\`${r.ready.setupCommand}\`)`, r.ready.withSetup),
    ready('ready, cold (tarball + extract + setup run)', r.ready.readyCold),
    ready('ready, cached (cached tree + setup result restored)', r.ready.readyCached),
    '',
  ].join('\n');
}

benchMain(import.meta.url, { name: 'sandbox', runs: 20 }, runSandboxBench, sandboxMarkdown);
