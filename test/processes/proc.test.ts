import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { onLines } from '../../scripts/lines.js';
import { killGroup, Reaper, reaperArgs, spawnGroup, terminateGroup } from '../../scripts/proc.js';
import { pidAlive, waitFor } from '../support/tmp.js';

const node = process.execPath;
/** A child that starts a grandchild in its group and prints both pids. */
const PARENT_WITH_GRANDCHILD = `
const { spawn } = require('node:child_process');
const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log(process.pid + ' ' + g.pid);
setInterval(() => {}, 1000);
`;
const IGNORES_SIGTERM = `
process.on('SIGTERM', () => {});
console.log(process.pid);
setInterval(() => {}, 1000);
`;

const spawned: ChildProcess[] = [];
afterEach(() => {
  for (const c of spawned.splice(0)) if (c.pid) killGroup(c.pid, 'SIGKILL');
});

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    if (child.stdout) onLines(child.stdout, resolve);
  });
}

describe('terminateGroup', () => {
  test('SIGTERMs the whole group: child and grandchild', async () => {
    const child = spawnGroup(node, ['-e', PARENT_WITH_GRANDCHILD], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    spawned.push(child);
    const [pid, grandchild] = (await firstLine(child)).split(' ').map(Number) as [number, number];
    expect(pid).toBe(child.pid);
    expect(pidAlive(grandchild)).toBe(true);
    expect(await terminateGroup(child, { graceMs: 5_000 })).toBe('stopped');
    expect(child.signalCode).toBe('SIGTERM');
    await waitFor(() => !pidAlive(grandchild), 2_000, 'grandchild gone');
  });

  test('SIGKILLs a group that ignores SIGTERM after the grace period', async () => {
    const child = spawnGroup(node, ['-e', IGNORES_SIGTERM], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    spawned.push(child);
    await firstLine(child);
    const started = Date.now();
    expect(await terminateGroup(child, { graceMs: 300 })).toBe('killed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(child.signalCode).toBe('SIGKILL');
  });

  test('an already exited child resolves at once', async () => {
    const child = spawnGroup(node, ['-e', '0'], { stdio: 'ignore' });
    await once(child, 'exit');
    expect(await terminateGroup(child, { graceMs: 5_000 })).toBe('stopped');
  });
});

describe('Reaper', () => {
  test('kills registered groups when its owner is SIGKILLed', async () => {
    // The owner: starts the reaper program and a detached sleeper it registers.
    const owner = spawn(
      node,
      [
        '-e',
        `
const { spawn } = require('node:child_process');
const reaper = spawn(process.execPath, ${JSON.stringify(reaperArgs(1_000))}, { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
reaper.stdin.write('+' + sleeper.pid + '\\n');
console.log(sleeper.pid + ' ' + reaper.pid);
setInterval(() => {}, 1000);
`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [sleeper, reaper] = (await firstLine(owner)).split(' ').map(Number) as [number, number];
    spawned.push({ pid: sleeper } as ChildProcess);
    await new Promise((r) => setTimeout(r, 200)); // let the reaper read its line
    expect(pidAlive(sleeper)).toBe(true);
    owner.kill('SIGKILL');
    await waitFor(() => !pidAlive(sleeper), 5_000, 'sleeper reaped');
    await waitFor(() => !pidAlive(reaper), 5_000, 'reaper exits');
  });

  test('close() reaps what is still registered, not what was removed', async () => {
    const reaper = new Reaper({ graceMs: 500 });
    const kept = spawnGroup(node, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const removed = spawnGroup(node, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    spawned.push(kept, removed);
    reaper.add(kept.pid);
    reaper.add(removed.pid);
    reaper.remove(removed.pid);
    reaper.close();
    await once(kept, 'exit');
    expect(kept.signalCode).toBe('SIGTERM');
    await waitFor(() => !pidAlive(reaper.pid ?? 0), 5_000, 'reaper exits');
    expect(removed.exitCode).toBeNull();
    expect(removed.signalCode).toBeNull();
  });
});
