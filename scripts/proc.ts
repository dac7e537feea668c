/**
 * Process-group plumbing for the launchers. Every long-running child is the
 * leader of its own process group (`detached`), so a signal reaches it and
 * everything it spawned, and a terminal's Ctrl-C reaches only the launcher,
 * which then stops children in its own order. A {@link Reaper} side process
 * kills the registered groups if the launcher itself dies without cleaning up
 * (SIGKILL, crash), so nothing is orphaned.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { sleep } from './net.js';

/** Spawns `command` as the leader of a new process group. */
export function spawnGroup(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): ChildProcess {
  return spawn(command, args, { ...options, detached: true });
}

/** Sends `signal` to every process of group `pgid`; false when the group is gone. */
export function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** True while any process of group `pgid` exists (zombies included). */
export function groupAlive(pgid: number): boolean {
  return killGroup(pgid, 0);
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Stops a group-leading child: SIGTERM to the whole group, then SIGKILL to
 * whatever is left after `graceMs`. Resolves once the leader has exited and
 * the group is empty (or after a last short wait following SIGKILL).
 * Returns `'killed'` when SIGKILL was needed.
 */
export async function terminateGroup(
  child: ChildProcess,
  opts: { graceMs?: number; signal?: NodeJS.Signals } = {},
): Promise<'stopped' | 'killed'> {
  const { graceMs = 10_000, signal = 'SIGTERM' } = opts;
  const pgid = child.pid;
  if (pgid === undefined) return 'stopped';
  let leaderExited = hasExited(child);
  const onExit = (): void => {
    leaderExited = true;
  };
  child.once('exit', onExit);
  try {
    if (!killGroup(pgid, signal) && leaderExited) return 'stopped';
    const settled = (): boolean => leaderExited && !groupAlive(pgid);
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      if (settled()) return 'stopped';
      await sleep(50);
    }
    if (settled()) return 'stopped';
    killGroup(pgid, 'SIGKILL');
    const killDeadline = Date.now() + 5_000;
    while (Date.now() < killDeadline && !settled()) await sleep(20);
    return 'killed';
  } finally {
    child.off('exit', onExit);
  }
}

// The reaper's whole program: it reads "+<pgid>" / "-<pgid>" lines on stdin;
// when stdin ends (the launcher exited or died), it SIGTERMs the groups still
// registered, SIGKILLs the survivors after the grace period, and exits.
const REAPER_SOURCE = `
const groups = new Set();
const grace = Number(process.argv[1]) || 5000;
let buf = '';
const alive = (g) => { try { process.kill(-g, 0); return true; } catch { return false; } };
const send = (g, s) => { try { process.kill(-g, s); } catch {} };
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i).trim();
    buf = buf.slice(i + 1);
    const g = Number(line.slice(1));
    if (!Number.isInteger(g) || g <= 1) continue;
    if (line[0] === '+') groups.add(g); else if (line[0] === '-') groups.delete(g);
  }
});
let reaping = false;
const reap = () => {
  if (reaping) return;
  reaping = true;
  for (const g of groups) send(g, 'SIGTERM');
  const deadline = Date.now() + grace;
  const tick = () => {
    const left = [...groups].filter(alive);
    if (left.length === 0) process.exit(0);
    if (Date.now() >= deadline) { for (const g of left) send(g, 'SIGKILL'); process.exit(0); }
    setTimeout(tick, 100);
  };
  tick();
};
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);
`;

/** `node` arguments of the reaper program (exported for tests). */
export function reaperArgs(graceMs = 5_000): string[] {
  return ['-e', REAPER_SOURCE, String(graceMs)];
}

/**
 * A watchdog process that kills registered process groups when this process
 * goes away without unregistering them. One reaper serves any number of
 * groups. It does not keep this process alive.
 */
export class Reaper {
  readonly #child: ChildProcess;
  #closed = false;

  constructor(opts: { graceMs?: number } = {}) {
    this.#child = spawn(process.execPath, reaperArgs(opts.graceMs), {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    this.#child.on('error', () => {});
    this.#child.stdin?.on('error', () => {});
    this.#child.unref();
    (this.#child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  add(pgid: number | undefined): void {
    if (pgid !== undefined && !this.#closed) this.#child.stdin?.write(`+${pgid}\n`);
  }

  remove(pgid: number | undefined): void {
    if (pgid !== undefined && !this.#closed) this.#child.stdin?.write(`-${pgid}\n`);
  }

  /** Ends the reaper; groups still registered are reaped now. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#child.stdin?.end();
  }
}
