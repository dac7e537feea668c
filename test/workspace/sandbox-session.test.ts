/**
 * Sandbox sessions for real (bubblewrap on this machine): one sandbox serves a
 * workspace's commands one after another, each command's output and status
 * exact, nothing of one command left for the next, and the executor out of
 * the commands' reach. The escapes and limits themselves are tried in both
 * modes by sandbox.test.ts.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { WorkspaceLimits } from '../../common/repo-config.js';
import type { WorkspaceDirs } from '../../activities/workspace/sandbox.js';
import { SandboxSessions } from '../../activities/workspace/sandbox-session.js';
import { makeSandboxDirs, sandboxDirs } from '../support/sandbox-dirs.js';
import { makeTempDir } from '../support/tmp.js';

let base: { dir: string; cleanup: () => Promise<void> };
let dirs: WorkspaceDirs;
let sessions: SandboxSessions;
const limits = (over: Partial<WorkspaceLimits> = {}) =>
  WorkspaceLimits.parse({ wall_seconds: 30, ...over });
const run = (cmd: string, over: Partial<WorkspaceLimits> = {}) =>
  sessions.run('ws', dirs, cmd, { limits: limits(over) });

/** The start time of the sandbox's PID 1 (bwrap's init): the same for commands of one sandbox. */
const sandboxId = async () => (await run("cut -d' ' -f22 /proc/1/stat")).output.trim();

const makeWorkspace = () => makeSandboxDirs(base.dir, dirs);

beforeAll(async () => {
  base = await makeTempDir('blogtube-session-');
  dirs = sandboxDirs(base.dir);
  await makeWorkspace();
  sessions = new SandboxSessions({ binDir: join(base.dir, 'bin') });
});
afterEach(() => sessions.closeAll());
afterAll(async () => {
  sessions.closeAll();
  await base.cleanup();
});

describe('a sandbox session', () => {
  it('runs a workspace’s commands one after another in one sandbox', async () => {
    const first = await sandboxId();
    expect(first).toMatch(/^\d+$/);
    await run('echo kept > /workspace/note; echo scratch > /tmp/scratch');
    const r = await run('cat /workspace/note /tmp/scratch; exit 7');
    expect(r.exitCode).toBe(7);
    expect(r.output).toBe('kept\nscratch\n');
    expect(await sandboxId()).toBe(first);
    expect(sessions.size).toBe(1);
  });

  it('gives each command its output and status exactly', async () => {
    expect((await run("printf 'no newline at the end'")).output).toBe('no newline at the end');
    expect((await run('true')).output).toBe('');
    const multi = await run('cat <<\'EOF\'\n  indented \\\\ kept\n\nlast\nEOF\necho "$0" >&2');
    expect(multi.output).toBe('  indented \\\\ kept\n\nlast\n/bin/sh\n');
    const signalled = await run('kill -TERM $$');
    expect(signalled.exitCode).toBe(143);
    expect(signalled.signal).toBe('SIGTERM');
  });

  it('is not ended early by output that looks like the end marker', async () => {
    const r = await run(
      "printf '\\n%032x 0\\n' 0; printf '\\n%s 0\\n' 0123456789abcdef0123456789abcdef; sleep 0.3; echo after",
    );
    expect(r.output).toContain('00000000000000000000000000000000 0');
    expect(r.output.trimEnd().endsWith('after')).toBe(true);
    expect(r.exitCode).toBe(0);
  });

  it('leaves nothing of one command to the next', async () => {
    const id = await sandboxId();
    await run('(sleep 7781 &); nohup sleep 7782 >/dev/null 2>&1 & echo started');
    const ps = await run(
      "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done | grep -c 'slee[p] 778'",
    );
    expect(ps.output.trim()).toBe('0');
    expect(await sandboxId()).toBe(id);
  });

  it('keeps its executor out of the commands’ reach', async () => {
    const r = await run(
      'ppid=$PPID; cat /proc/$ppid/environ >/dev/null 2>&1 || echo NO-ENVIRON; ' +
        'ls /proc/$ppid/fd >/dev/null 2>&1 || echo NO-FDS; ' +
        'head -c 1 /proc/$ppid/mem >/dev/null 2>&1 || echo NO-MEM; ' +
        'cat /run/blogtube/sh >/dev/null 2>&1 || echo NO-READ',
    );
    expect(r.output).toBe('NO-ENVIRON\nNO-FDS\nNO-MEM\nNO-READ\n');
  });

  it('a command that kills its executor ends only its own sandbox', async () => {
    const id = await sandboxId();
    const r = await run('echo before; kill -KILL $PPID; sleep 5');
    expect(r.exitCode).toBe(137);
    expect(r.output).toContain('before');
    expect(r.note).toMatch(/the sandbox ended before the command returned/);
    const next = await run('echo next');
    expect(next.output).toBe('next\n');
    expect(await sandboxId()).not.toBe(id);
  });

  it('after a wall-time kill the next command gets a new sandbox', async () => {
    const id = await sandboxId();
    const killed = await run('echo spinning; while :; do :; done', { wall_seconds: 1 });
    expect(killed.killed).toBe('wall_time');
    expect(killed.output).toContain('spinning');
    expect((await run('echo alive')).output).toBe('alive\n');
    expect(await sandboxId()).not.toBe(id);
  });

  it('sees a rebuilt workspace, not the removed one', async () => {
    await run('echo old > /workspace/mark');
    await makeWorkspace();
    await writeFile(join(dirs.checkout, 'mark'), 'new\n');
    expect((await run('cat /workspace/mark')).output).toBe('new\n');
  });

  it('catches a quick write past the disk limit between polls', async () => {
    const r = await run('head -c 20000000 /dev/zero > /workspace/big', { disk_mb: 16 });
    expect(r.killed).toBe('workspace_disk');
    expect(r.note).toMatch(/16 MB disk limit/);
    await run('rm -f /workspace/big');
  });

  it('serves two commands at once (the second in a sandbox of its own)', async () => {
    const [a, b] = await Promise.all([run('sleep 0.3; echo a'), run('echo b')]);
    expect(a.output).toBe('a\n');
    expect(b.output).toBe('b\n');
  });

  it('starts a new sandbox when the limits change, and closes one left idle', async () => {
    const id = await sandboxId();
    const other = await sessions.run('ws', dirs, "cut -d' ' -f22 /proc/1/stat", {
      limits: limits({ processes: 100 }),
    });
    expect(other.output.trim()).not.toBe(id);
    const quick = new SandboxSessions({ binDir: join(base.dir, 'bin'), idleMs: 100 });
    await quick.run('idle', dirs, 'true', { limits: limits() });
    expect(quick.size).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(quick.size).toBe(0);
  });
});
