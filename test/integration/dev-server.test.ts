import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';
import { devServerArgs, startDevServer } from '../../scripts/dev-server.js';
import { freePort, isPortOpen } from '../../scripts/net.js';
import { makeTempDir, pidAlive, waitFor, writeExecutable } from '../support/tmp.js';

const cliPath = (): string => {
  const p = process.env.TEMPORAL_CLI_PATH;
  if (!p) throw new Error('TEMPORAL_CLI_PATH is set by test/global-setup.ts');
  return p;
};

async function listAttributes(address: string): Promise<Record<string, unknown>> {
  const connection = await Connection.connect({ address });
  try {
    const r = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return r.customAttributes ?? {};
  } finally {
    await connection.close();
  }
}

test('devServerArgs', () => {
  expect(devServerArgs({ port: 7233, uiPort: 8233, ip: '127.0.0.1', dbFile: '/d/t.db' })).toEqual([
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    '7233',
    '--ui-port',
    '8233',
    '--db-filename',
    '/d/t.db',
    '--log-level',
    'warn',
    '--namespace',
    'default',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, v]) => ['--search-attribute', `${k}=${v}`]),
  ]);
  const headless = devServerArgs({ port: 1, uiPort: false, ip: '127.0.0.1', namespace: 'other' });
  expect(headless).toContain('--headless');
  expect(headless).not.toContain('--ui-port');
  expect(headless).not.toContain('--db-filename');
  expect(headless.join(' ')).toContain('--namespace default --namespace other');
});

test('the global dev server is up with every search attribute', async () => {
  const address = process.env.TEMPORAL_ADDRESS;
  expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  const attrs = await listAttributes(address as string);
  for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(attrs).toHaveProperty(name);
});

describe('startDevServer', () => {
  test('reusing a persistent DB registers search attributes it lacks; UI served; stop() ends it', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const dbFile = join(dir, 'data', 'temporal.db');
      await mkdir(join(dir, 'data'));
      // A database made by an older version that knew one attribute only.
      const port = await freePort();
      const old = spawn(
        cliPath(),
        [
          'server',
          'start-dev',
          '--headless',
          '--ip',
          '127.0.0.1',
          '--port',
          String(port),
          '--db-filename',
          dbFile,
          '--search-attribute',
          'BlogTubeRepo=Keyword',
        ],
        { stdio: 'ignore' },
      );
      try {
        await waitFor(() => isPortOpen(port), 30_000, 'old server');
        await waitFor(
          async () => {
            try {
              return 'BlogTubeRepo' in (await listAttributes(`127.0.0.1:${port}`));
            } catch {
              return false;
            }
          },
          30_000,
          'old server ready',
        );
      } finally {
        if (old.exitCode === null && old.signalCode === null) {
          old.kill('SIGTERM');
          await once(old, 'exit');
        }
      }

      const logs: string[] = [];
      const server = await startDevServer({
        cliPath: cliPath(),
        dbFile,
        logFile: join(dir, 'data', 'temporal.log'),
        log: (s) => void logs.push(s),
      });
      try {
        const attrs = await listAttributes(server.address);
        for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(attrs).toHaveProperty(name);
        expect(logs.join('\n')).toMatch(/registered search attributes on default: .*BlogTubePhase/);
        expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const res = await fetch(server.uiUrl as string);
        expect(res.status).toBe(200);
      } finally {
        await server.stop();
      }
      expect(await server.exited).toBeDefined();
      expect(pidAlive(server.pid)).toBe(false);
      await server.stop(); // idempotent
    } finally {
      await cleanup();
    }
  });

  test('an explicit port already in use is a clear error', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startDevServer({ cliPath: cliPath(), port, uiPort: false })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is already in use`,
      );
    } finally {
      blocker.close();
    }
  });

  test('a server that dies at start reports its exit and stderr', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const cli = await writeExecutable(
        join(dir, 'temporal'),
        '#!/bin/sh\necho "Error: unable to open database file" >&2\nexit 2\n',
      );
      const err = (await startDevServer({ cliPath: cli, uiPort: false }).catch((e) => e)) as Error;
      expect(err.message).toMatch(/exited \(exit code 2\) before it was ready/);
      expect(err.message).toContain('unable to open database file');
    } finally {
      await cleanup();
    }
  });

  test('a server that never answers times out and is stopped', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const pidFile = join(dir, 'pid');
      const cli = await writeExecutable(
        join(dir, 'temporal'),
        `#!/bin/sh\necho $$ > ${pidFile}\necho "starting..."\nexec sleep 60\n`,
      );
      const err = (await startDevServer({ cliPath: cli, uiPort: false, readyTimeoutMs: 800 }).catch(
        (e) => e,
      )) as Error;
      expect(err.message).toMatch(/not ready after 1s/);
      expect(err.message).toContain('starting...');
      const pid = Number(await readFile(pidFile, 'utf8'));
      await waitFor(() => !pidAlive(pid), 5_000, 'fake server stopped');
    } finally {
      await cleanup();
    }
  });
});
