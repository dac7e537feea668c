import { afterEach, describe, expect, test } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { handleShutdownSignals, Supervisor } from '../../scripts/supervisor.js';
import { makeTempDir, pidAlive, waitFor } from '../support/tmp.js';

const node = process.execPath;
const FAST = { initialDelayMs: 50, maxDelayMs: 400, resetAfterMs: 60_000 };

let supervisor: Supervisor | undefined;
afterEach(async () => {
  supervisor?.kill();
  supervisor = undefined;
});

function capture(): { lines: string[]; out: (l: string) => void } {
  const lines: string[] = [];
  return { lines, out: (l) => void lines.push(l) };
}

describe('Supervisor', () => {
  test('prefixes output and restarts a child that dies, with backoff', async () => {
    const { lines, out } = capture();
    supervisor = new Supervisor({ out, err: out, color: false, policy: FAST, prefixWidth: 8 });
    const spawns: number[] = [];
    const delays: number[] = [];
    supervisor.on('spawn', (_name: string, pid: number) => spawns.push(pid));
    supervisor.on('restart', (_name: string, delay: number) => delays.push(delay));
    supervisor.add({
      name: 'crasher',
      command: node,
      args: [
        '-e',
        'console.log("up " + process.pid); console.error("oops"); setTimeout(() => process.exit(3), 100)',
      ],
    });
    await waitFor(() => spawns.length >= 3, 10_000, 'two restarts');
    expect(new Set(spawns).size).toBe(3);
    expect(delays.slice(0, 2)).toEqual([50, 100]);
    expect(supervisor.restarts('crasher')).toBeGreaterThanOrEqual(2);
    await waitFor(() => lines.some((l) => l === `crasher  | up ${spawns[2]}`), 5_000, 'output');
    expect(lines).toContain(`crasher  | up ${spawns[0]}`);
    expect(lines).toContain('crasher  | oops');
    expect(lines).toContain('[supervisor] crasher exited (code 3); restarting in 50ms');
    expect(lines).toContain('[supervisor] crasher exited (code 3); restarting in 100ms');
    await supervisor.stop();
    const after = spawns.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(spawns.length).toBe(after); // no restart once stopping
  });

  test('reports a child killed by a signal and brings it back', async () => {
    const { lines, out } = capture();
    supervisor = new Supervisor({ out, err: out, color: false, policy: FAST });
    const spawns: number[] = [];
    supervisor.on('spawn', (_name: string, pid: number) => spawns.push(pid));
    supervisor.add({
      name: 'model-worker',
      command: node,
      args: ['-e', 'setInterval(() => {}, 1000)'],
    });
    await waitFor(() => spawns.length === 1);
    process.kill(spawns[0] as number, 'SIGKILL');
    await waitFor(() => spawns.length === 2, 5_000, 'restart');
    expect(lines).toContain('[supervisor] model-worker exited (SIGKILL); restarting in 50ms');
    expect(supervisor.pids()['model-worker']).toBe(spawns[1]);
    await supervisor.stop();
    expect(pidAlive(spawns[1] as number)).toBe(false);
  });

  test('colors prefixes when asked', async () => {
    const { lines, out } = capture();
    supervisor = new Supervisor({ out, err: out, color: true });
    supervisor.add({
      name: 'bridge',
      command: node,
      args: ['-e', 'console.log("hi"); setInterval(() => {}, 1000)'],
    });
    await waitFor(() => lines.length > 0);
    expect(lines[0]).toBe('\u001b[36mbridge |\u001b[0m hi');
    await supervisor.stop();
  });
});

describe('shutdown on signals', () => {
  /** A child that records its SIGTERM in `file`, then exits; `grandchild` also starts one. */
  const child = (file: string, name: string, grandchild = false): string => `
const fs = require('node:fs');
${grandchild ? "require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });" : ''}
process.on('SIGTERM', () => { fs.appendFileSync(${JSON.stringify(file)}, ${JSON.stringify(name)} + '\\n'); setTimeout(() => process.exit(0), 20); });
console.log('ready');
setInterval(() => {}, 1000);
`;

  test('SIGTERM stops all children in reverse order, grandchildren included, then exits 0', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const file = join(dir, 'order');
      const { lines, out } = capture();
      supervisor = new Supervisor({ out, err: out, color: false, graceMs: 5_000 });
      const sup = supervisor;
      for (const [i, name] of ['github-sim', 'orchestrator-worker', 'bridge'].entries()) {
        sup.add({ name, command: node, args: ['-e', child(file, name, i === 1)] });
      }
      await waitFor(() => lines.filter((l) => l.endsWith('| ready')).length === 3, 10_000, 'ready');
      const pids = Object.values(sup.pids()) as number[];
      const emitter = new EventEmitter();
      const exitCode = new Promise<number>((resolve) => {
        handleShutdownSignals({
          emitter,
          log: (m) => sup.log(m),
          shutdown: () => sup.stop(),
          force: () => sup.kill(),
          exit: resolve,
        });
      });
      emitter.emit('SIGTERM', 'SIGTERM');
      expect(await exitCode).toBe(0);
      expect((await readFile(file, 'utf8')).trim().split('\n')).toEqual([
        'bridge',
        'orchestrator-worker',
        'github-sim',
      ]);
      for (const pid of pids) {
        expect(pidAlive(pid)).toBe(false);
        await waitFor(
          () => {
            try {
              process.kill(-pid, 0);
              return false;
            } catch {
              return true;
            }
          },
          5_000,
          `group ${pid} empty`,
        );
      }
      expect(lines).toContain(
        '[supervisor] SIGTERM: stopping everything (press Ctrl-C again to force)',
      );
    } finally {
      await cleanup();
    }
  });

  test('a second signal kills everything at once and exits 1', async () => {
    const { lines, out } = capture();
    supervisor = new Supervisor({ out, err: out, color: false, graceMs: 60_000 });
    const sup = supervisor;
    const stubborn =
      "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);";
    sup.add({ name: 'a', command: node, args: ['-e', stubborn] });
    sup.add({ name: 'b', command: node, args: ['-e', stubborn] });
    await waitFor(() => lines.filter((l) => l.endsWith('| ready')).length === 2, 10_000, 'ready');
    const pids = Object.values(sup.pids()) as number[];
    const emitter = new EventEmitter();
    const codes: number[] = [];
    handleShutdownSignals({
      emitter,
      log: (m) => sup.log(m),
      shutdown: () => sup.stop(),
      force: () => sup.kill(),
      exit: (c) => void codes.push(c),
    });
    emitter.emit('SIGINT', 'SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter((p) => !pidAlive(p))).toEqual([]); // still in their grace period
    emitter.emit('SIGINT', 'SIGINT');
    expect(codes).toEqual([1]);
    await waitFor(() => !pids.some(pidAlive), 5_000, 'children killed');
    expect(lines).toContain('[supervisor] SIGINT again: killing everything now');
  });
});
