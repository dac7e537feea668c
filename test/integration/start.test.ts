import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort, isPortOpen } from '../../scripts/net.js';
import { compileScriptsInto } from '../support/compile-scripts.js';
import { makeTempDir, pidAlive, waitFor } from '../support/tmp.js';

/**
 * Stand-in for every service: records its pid and environment, listens on its
 * port if it has one, records SIGTERM; the model worker crashes on first start.
 */
const STUB = (name: string, portVar?: string): string => `
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
const dir = process.env.STUB_DIR;
writeFileSync(dir + '/${name}.env.json', JSON.stringify(process.env));
appendFileSync(dir + '/pids', process.pid + '\\n');
console.log('${name} up');
if ('${name}' === 'model-worker' && !existsSync(dir + '/crashed')) {
  writeFileSync(dir + '/crashed', '');
  console.error('model-worker: simulated crash');
  process.exit(1);
}
${portVar ? `createServer((_q, r) => r.end('ok')).listen(Number(process.env.${portVar}), '127.0.0.1');` : ''}
setInterval(() => {}, 1000);
process.on('SIGTERM', () => { appendFileSync(dir + '/stopped', '${name}\\n'); process.exit(0); });
`;

let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('blogtube-start-'));
  await compileScriptsInto(root);
  const stubs: [string, string, string?][] = [
    ['dist/sandbox/github/main.js', 'github-sim', 'GITHUB_SIM_PORT'],
    ['dist/sandbox/anthropic/main.js', 'anthropic-sim', 'ANTHROPIC_SIM_PORT'],
    ['dist/client/codec-server-main.js', 'codec-server', 'CODEC_SERVER_PORT'],
    ['dist/workers/orchestrator.js', 'orchestrator-worker'],
    ['dist/workers/model.js', 'model-worker'],
    ['dist/workers/workspace.js', 'workspace-worker'],
    ['dist/client/bridge-main.js', 'bridge', 'BRIDGE_PORT'],
  ];
  for (const [file, name, portVar] of stubs) {
    await mkdir(join(root, file, '..'), { recursive: true });
    await writeFile(join(root, file), STUB(name, portVar));
  }
});
afterAll(async () => cleanup());

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
  stubDir: string;
}

async function startSupervisor(env: NodeJS.ProcessEnv, stubDir: string): Promise<Run> {
  await mkdir(stubDir, { recursive: true });
  const base = { ...process.env };
  delete base.TEMPORAL_ADDRESS; // set by global setup; each test decides
  const child = spawn(process.execPath, [join(root, 'dist/scripts/start.js')], {
    env: { ...base, STUB_DIR: stubDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exit, stubDir };
}

/**
 * Waits for `npm start`'s banner. A generous deadline (a cold dev server on a
 * loaded machine is slow), and on a timeout the supervisor's own output says why.
 */
async function banner(run: Run): Promise<void> {
  try {
    await waitFor(() => run.output().includes('BlogTube is up'), 180_000, 'banner');
  } catch (err) {
    throw new Error(`${(err as Error).message}; npm start said:\n${run.output().slice(-4000)}`, {
      cause: err,
    });
  }
}

async function ports(): Promise<Record<string, string>> {
  return {
    GITHUB_SIM_PORT: String(await freePort()),
    ANTHROPIC_SIM_PORT: String(await freePort()),
    BRIDGE_PORT: String(await freePort()),
    CODEC_SERVER_PORT: String(await freePort()),
  };
}

async function stubPids(dir: string): Promise<number[]> {
  return (await readFile(join(dir, 'pids'), 'utf8')).trim().split('\n').map(Number);
}

// The banner's own deadline (banner()) must end before the test's.
jest.setTimeout(300_000);

describe('npm start supervisor (stub services)', () => {
  test('dev server with persistent DB, sandbox defaults, restart, banner, clean SIGTERM', async () => {
    const p = await ports();
    const temporalPort = await freePort();
    const uiPort = await freePort();
    const run = await startSupervisor(
      { ...p, TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(uiPort) },
      join(root, 'run-a'),
    );
    try {
      await banner(run);
      const out = run.output();
      expect(out).toContain(`127.0.0.1:${temporalPort}`);
      expect(out).toContain(`http://127.0.0.1:${uiPort}`);
      expect(out).toContain(`http://127.0.0.1:${p.BRIDGE_PORT}/webhooks`);
      expect(out).toContain('sbx-bot-token');
      expect(out).toContain('npx blogtube demo');
      expect(out).toContain('Workspace worker');
      expect(out).toMatch(/github-sim\s+\| github-sim up/);
      // Workers have no port: the banner may come before the stub's first crash.
      await waitFor(
        () => run.output().includes('[supervisor] model-worker exited (code 1); restarting in 1s'),
        10_000,
        'restart notice',
      );
      expect(existsSync(join(root, '.data', 'temporal.db'))).toBe(true);

      const env = JSON.parse(
        await readFile(join(run.stubDir, 'orchestrator-worker.env.json'), 'utf8'),
      ) as NodeJS.ProcessEnv;
      expect(env.TEMPORAL_ADDRESS).toBe(`127.0.0.1:${temporalPort}`);
      expect(env.GITHUB_API_URL).toBe(`http://127.0.0.1:${p.GITHUB_SIM_PORT}`);
      expect(env.ANTHROPIC_BASE_URL).toBe(`http://127.0.0.1:${p.ANTHROPIC_SIM_PORT}`);
      expect(env.GITHUB_TOKEN).toBe('sbx-bot-token');
      expect(env.ANTHROPIC_API_KEY).toBe('sandbox-anthropic-key');
      expect(env.GITHUB_WEBHOOK_SECRET).toBe('sandbox-webhook-secret');

      await waitFor(() => run.output().split('model-worker up').length === 3, 10_000, 'restart');
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
      const stopped = (await readFile(join(run.stubDir, 'stopped'), 'utf8')).trim().split('\n');
      expect(stopped).toEqual([
        'bridge',
        'workspace-worker',
        'model-worker',
        'orchestrator-worker',
        'codec-server',
        'anthropic-sim',
        'github-sim',
      ]);
      for (const pid of await stubPids(run.stubDir)) expect(pidAlive(pid)).toBe(false);
      expect(await isPortOpen(temporalPort)).toBe(false);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  test('TEMPORAL_ADDRESS and a real GitHub URL: no dev server, no GitHub simulator, user secrets kept and never printed', async () => {
    const p = await ports();
    const run = await startSupervisor(
      {
        ...p,
        TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
        TEMPORAL_CLI_PATH: '/nonexistent/temporal', // would fail if it tried to provision
        GITHUB_API_URL: 'https://github.example.com/api/v3',
        GITHUB_TOKEN: 'ghp_user_secret_value',
        GITHUB_WEBHOOK_SECRET: 'user_webhook_secret_value',
      },
      join(root, 'run-b'),
    );
    try {
      await banner(run);
      const out = run.output();
      expect(out).not.toContain('ghp_user_secret_value');
      expect(out).not.toContain('user_webhook_secret_value');
      expect(out.match(/\(from environment\)/g)).toHaveLength(2);
      expect(out).toContain('sandbox-anthropic-key');
      expect(out).not.toContain('github-sim up');
      expect(out).toContain(`${process.env.TEMPORAL_ADDRESS}  (your server`);
      const env = JSON.parse(
        await readFile(join(run.stubDir, 'bridge.env.json'), 'utf8'),
      ) as NodeJS.ProcessEnv;
      expect(env.GITHUB_TOKEN).toBe('ghp_user_secret_value');
      expect(env.GITHUB_API_URL).toBe('https://github.example.com/api/v3');
      expect(env.TEMPORAL_ADDRESS).toBe(process.env.TEMPORAL_ADDRESS);
      run.child.kill('SIGINT');
      expect(await run.exit).toBe(0);
      for (const pid of await stubPids(run.stubDir)) expect(pidAlive(pid)).toBe(false);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  test('a SIGKILLed supervisor leaves no orphans (the reaper stops its children)', async () => {
    const p = await ports();
    const run = await startSupervisor(
      { ...p, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS },
      join(root, 'run-c'),
    );
    await banner(run);
    const pids = await stubPids(run.stubDir);
    run.child.kill('SIGKILL');
    await run.exit;
    await waitFor(() => !pids.some(pidAlive), 15_000, 'children reaped');
  });

  test('a taken port fails fast, naming the variable, before anything starts', async () => {
    const p = await ports();
    const blocker = createServer().listen(Number(p.BRIDGE_PORT), '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const run = await startSupervisor(
        { ...p, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS },
        join(root, 'run-d'),
      );
      expect(await run.exit).toBe(1);
      expect(run.output()).toContain(
        `already in use on 127.0.0.1: ${p.BRIDGE_PORT} (bridge; BRIDGE_PORT)`,
      );
      expect(existsSync(join(run.stubDir, 'pids'))).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
