/**
 * The command sandbox, for real: bubblewrap on this machine, each escape tried
 * in its own test, each limit hit and bounded while this (the worker's)
 * process stays healthy. Positive controls show the probes can succeed where
 * they are allowed (the workspace, the setup phase's network).
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WorkspaceLimits } from '../../common/repo-config.js';
import {
  checkSandbox,
  runSandboxed,
  type RunOptions,
  type WorkspaceDirs,
} from '../../activities/workspace/sandbox.js';
import { SandboxSessions } from '../../activities/workspace/sandbox-session.js';
import { makeSandboxDirs, sandboxDirs } from '../support/sandbox-dirs.js';
import { makeTempDir } from '../support/tmp.js';

let base: { dir: string; cleanup: () => Promise<void> };
let dirs: WorkspaceDirs;
let hostServer: Server;
let hostPort: number;
const limits = (over: Partial<WorkspaceLimits> = {}) =>
  WorkspaceLimits.parse({ wall_seconds: 30, ...over });
let sessions: SandboxSessions;

/**
 * Every probe runs both ways a command can: in a sandbox made for it (setup,
 * checks) and in the workspace's sandbox session (an agent's commands).
 */
const MODES = [
  ['a sandbox of its own', (cmd: string, opts: RunOptions) => runSandboxed(dirs, cmd, opts)],
  ['a sandbox session', (cmd: string, opts: RunOptions) => sessions.run('probe', dirs, cmd, opts)],
] as const;
type Runner = (typeof MODES)[number][1];

/** Host processes whose command line contains `marker` (other than this test's own). */
async function hostProcessesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.split('\0').join(' ').includes(marker) && !cmd.includes('bwrap')) {
      found.push(Number(pid));
    }
  }
  return found;
}

beforeAll(async () => {
  base = await makeTempDir('blogtube-sandbox-');
  dirs = sandboxDirs(base.dir);
  await makeSandboxDirs(base.dir, dirs);
  sessions = new SandboxSessions({ binDir: join(base.dir, 'bin') });
  hostServer = createServer((_req, res) => res.end('host-secret-page'));
  await new Promise<void>((r) => hostServer.listen(0, '127.0.0.1', r));
  hostPort = (hostServer.address() as AddressInfo).port;
});
afterAll(async () => {
  sessions.closeAll();
  await new Promise((r) => hostServer.close(r));
  await base.cleanup();
});

describe('preflight', () => {
  it('passes on this machine, with a reachable workspace root', () => {
    expect(checkSandbox()).toBeUndefined();
    expect(checkSandbox({ workspaceRoot: dirs.root })).toBeUndefined();
  });

  it('without bubblewrap on PATH names the fix', () => {
    const err = checkSandbox({ hostPath: '/nonexistent-bin' });
    expect(err?.message).toMatch(/bubblewrap \(bwrap\) is not installed/);
    expect(err?.message).toMatch(/apt-get install bubblewrap/);
    expect(err?.message).toMatch(/workspace\.commands: off/);
  });
});

describe.each(MODES)('in %s', (_mode, runWith: Runner) => {
  const run = (cmd: string, over: Partial<WorkspaceLimits> = {}, network = false) =>
    runWith(cmd, { limits: limits(over), network });

  describe('a command', () => {
    it('runs in the workspace with a clean environment and reports exit code and output', async () => {
      await writeFile(join(dirs.checkout, 'hello.txt'), 'hello from the checkout\n');
      const r = await run('pwd; cat hello.txt; env | sort; echo out-of-err >&2; exit 3');
      expect(r.exitCode).toBe(3);
      expect(r.killed).toBeUndefined();
      expect(r.output).toContain('/workspace\nhello from the checkout');
      expect(r.output).toContain('CI=true');
      expect(r.output).toContain('HOME=/home/agent');
      expect(r.output).toContain('out-of-err');
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    });
  });

  describe('the sandbox refuses', () => {
    it('the network, the host loopback included (the setup phase may reach it)', async () => {
      const probe = `node -e "fetch('http://127.0.0.1:${hostPort}/').then(r=>r.text()).then(t=>console.log('GOT',t),e=>console.log('FAILED',e.cause?.code??e.message))"`;
      const closed = await run(probe);
      expect(closed.output).toContain('FAILED');
      expect(closed.output).not.toContain('host-secret-page');
      const ifaces = await run('cat /proc/net/dev');
      expect(ifaces.output).toContain('lo:');
      expect(ifaces.output).not.toMatch(/eth\d|ens\d|veth/);
      const setup = await run(probe, {}, true);
      expect(setup.output).toContain('GOT host-secret-page');
    });

    it("reading the worker's environment", async () => {
      process.env.BLOGTUBE_PLANTED_SECRET = 'sk-planted-7c1d';
      try {
        const r = await run('env; cat /proc/1/environ; cat /proc/self/environ');
        expect(r.output).not.toContain('sk-planted-7c1d');
        expect(r.output).not.toContain('BLOGTUBE_PLANTED_SECRET');
      } finally {
        delete process.env.BLOGTUBE_PLANTED_SECRET;
      }
    });

    it("the worker's processes (/proc/<worker pid>)", async () => {
      const r = await run(
        `cat /proc/${process.pid}/environ || echo NO-ENVIRON; ls /proc | grep -E '^[0-9]+$' | wc -l`,
      );
      expect(r.output).toContain('NO-ENVIRON');
      const pids = Number(r.output.trim().split('\n').pop());
      expect(pids).toBeLessThan(10); // its own namespace: bwrap's init, the shell, ls, grep, wc
      expect(r.output).not.toContain('PATH=');
    });

    it("/run/secrets, the worker's key files, home and checkout", async () => {
      await mkdir('/run/secrets', { recursive: true });
      const secret = `/run/secrets/blogtube-test-${process.pid}`;
      const key = join(base.dir, 'github-app.pem');
      await writeFile(secret, 'RUN-SECRET-VALUE');
      await writeFile(key, '-----BEGIN PRIVATE KEY----- KEYFILE-VALUE');
      try {
        const r = await run(
          `cat ${secret}; cat ${key}; ls ${process.env.HOME ?? '/root'}; cat ${process.cwd()}/package.json; ls /work /root /run`,
        );
        expect(r.output).not.toContain('RUN-SECRET-VALUE');
        expect(r.output).not.toContain('KEYFILE-VALUE');
        expect(r.output).not.toContain('blogtube-automation');
        expect(r.output).toMatch(/No such file or directory/);
      } finally {
        await rm(secret, { force: true });
      }
    });

    it('writing outside the workspace', async () => {
      const r = await run(
        'for p in /usr/x /etc/x /x /var/x /home/x; do touch $p 2>/dev/null && echo WROTE $p; done; ' +
          'touch /workspace/ok /tmp/ok /home/agent/ok && echo INSIDE-OK',
      );
      expect(r.output).not.toContain('WROTE');
      expect(r.output).toContain('INSIDE-OK');
      await expect(readFile(join(dirs.tmp, 'ok'), 'utf8')).resolves.toBe('');
      await expect(readFile('/x')).rejects.toThrow();
    });
  });

  describe('limits bound a command and the worker stays healthy', () => {
    it('a fork bomb', async () => {
      const rssBefore = process.memoryUsage().rss;
      const r = await run('bomb() { bomb | bomb & }; bomb; sleep 2; echo bomb-done', {
        processes: 64,
        wall_seconds: 10,
      });
      expect(r.output).toMatch(/fork|Resource temporarily unavailable|bomb-done/i);
      expect(await hostProcessesWith('bomb-done')).toEqual([]);
      // The bomb lives in the sandbox's processes: the caller's memory barely moves
      // (its absolute size depends on what else this Jest worker ran before).
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 ** 2);
    });

    it('an endless loop is killed at its wall time', async () => {
      const r = await run('while :; do :; done', { wall_seconds: 2 });
      expect(r.killed).toBe('wall_time');
      expect(r.note).toMatch(/2 s wall-time limit/);
      expect(await hostProcessesWith('while :; do :; done')).toEqual([]);
    });

    it('100 MB of output is capped, head and tail kept', async () => {
      const r = await run(
        "echo FIRST-LINE; head -c 100000000 /dev/zero | tr '\\0' a; echo; echo LAST-LINE",
        { max_output_bytes: 10_000 },
      );
      expect(r.exitCode).toBe(0);
      expect(r.outputBytes).toBeGreaterThan(100_000_000);
      expect(r.truncated).toBe(true);
      expect(r.output.length).toBeLessThan(10_100);
      expect(r.output.startsWith('FIRST-LINE')).toBe(true);
      expect(r.output.trimEnd().endsWith('LAST-LINE')).toBe(true);
      expect(r.output).toMatch(/\[\.\.\. \d+ bytes of output cut \.\.\.\]/);
    });

    it('a background process left behind is killed when the command returns', async () => {
      const r = await run('(sleep 7771 &); nohup sleep 7772 >/dev/null 2>&1 & echo started');
      expect(r.output).toContain('started');
      expect(await hostProcessesWith('sleep 7771')).toEqual([]);
      expect(await hostProcessesWith('sleep 7772')).toEqual([]);
    });

    it('memory: an allocation over the limit fails', async () => {
      const r = await run(
        `node -e "try{const b=Buffer.alloc(1500*1024*1024,1);console.log('ALLOCATED',b.length)}catch(e){console.log('REFUSED',e.message)}"`,
        { memory_mb: 1024 },
      );
      expect(r.output).not.toContain('ALLOCATED');
    });

    it('file size: writing past the limit ends with SIGXFSZ', async () => {
      const r = await run('head -c 3000000 /dev/zero > /tmp/big', { file_size_mb: 1 });
      expect(r.signal).toBe('SIGXFSZ');
      expect(r.note).toMatch(/file-size limit/);
    });

    it('workspace disk: growing past the limit kills the command', async () => {
      const r = await runWith(
        'for i in $(seq 1 40); do head -c 1000000 /dev/urandom > /workspace/blob$i; sleep 0.05; done; sleep 5',
        { limits: limits({ disk_mb: 16 }), diskPollMs: 100 },
      );
      expect(r.killed).toBe('workspace_disk');
      await run('rm -f /workspace/blob*');
    });
  });
});
