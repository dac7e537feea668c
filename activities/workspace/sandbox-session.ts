/**
 * Sandbox sessions: one sandbox kept per workspace for its agent's commands.
 * Making a sandbox (new user, mount, PID, IPC, UTS and network namespaces)
 * costs about 10 ms of kernel work; a session makes it once, at the
 * workspace's first command, and each command then costs a fork and an exec,
 * like the same command run bare. What a command may see and do is the same
 * as in a sandbox of its own (pure/sandbox-plan.ts); the executor loop inside
 * (pure/session-protocol.ts) kills everything the command left behind before
 * it answers, so nothing of one command outlives it.
 *
 * A session ends when its workspace is removed or rebuilt, when its shape
 * (network, limits, environment) changes, after `idleMs` without a command,
 * when a limit kills a command (the whole sandbox is killed: the command's
 * process tree with it), or when a command ends the executor itself; the next
 * command starts a new one. A second command while one runs gets a sandbox of
 * its own. The executor is a copy of the host's `/bin/sh` that the sandbox
 * user may execute but not read: a process running a file it cannot read is
 * not dumpable, so commands (the same user) cannot read its memory or
 * descriptors, where the nonce of the end marker lives.
 *
 * Workspace disk: a full walk of the workspace when the session starts and
 * whenever the filesystem's own count says the workspace might have passed its
 * limit (its last measured size plus what the filesystem lost since is over
 * the limit); in between, commands pay one `statfs` instead of a walk.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, realpath, rename, rm, stat, statfs } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { OutputCap } from './pure/output.js';
import { EndScanner, EXECUTOR_SCRIPT, executorRequest } from './pure/session-protocol.js';
import {
  commandResult,
  diskUsage,
  guardCommand,
  killSandbox,
  runSandboxed,
  sandboxArgv,
  spawnSandbox,
  type CommandResult,
  type RunOptions,
  type SandboxShape,
  type WorkspaceDirs,
} from './sandbox.js';

const MB = 1024 * 1024;

/** Bytes the filesystem holding `dir` has left for unprivileged writers. */
async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** The session's key: what must match for a command to reuse it (wall time may differ). */
function shapeKey(shape: SandboxShape): string {
  const { wall_seconds: _wall, ...limits } = shape.limits;
  return JSON.stringify([
    shape.network ?? false,
    limits,
    shape.env ?? {},
    shape.hide ?? [],
    shape.hostPath ?? '',
  ]);
}

/** One running sandbox with its executor, for one workspace. */
export class SandboxSession {
  private readonly child: ChildProcess;
  private alive = true;
  private running = false;
  private onData: ((b: Buffer) => void) | undefined;
  private onEnd: (() => void) | undefined;
  /** The workspace's size at its last walk plus what the filesystem lost since (an upper bound). */
  private usageBound: number;
  /** The filesystem's free bytes when usageBound was last brought up to date. */
  private freeAtBound: number;
  /** bwrap's own errors (the executor's go to its output), kept for the note when it ends. */
  private startup = '';

  private constructor(
    readonly dirs: WorkspaceDirs,
    readonly key: string,
    private readonly checkoutIno: number,
    shape: SandboxShape,
    shell: string,
    usage: { bytes: number; free: number },
  ) {
    this.usageBound = usage.bytes;
    this.freeAtBound = usage.free;
    // Two processes of its own: bwrap's init and the executor.
    const [file, argv] = sandboxArgv(dirs, EXECUTOR_SCRIPT, shape, { shell, extraProcesses: 2 });
    this.child = spawnSandbox(file, argv, 'pipe');
    this.child.stdout?.on('data', (b: Buffer) => this.onData?.(b));
    this.child.stderr?.on('data', (b: Buffer) => {
      if (this.startup.length < 4096) this.startup += b.toString();
    });
    this.child.stdin?.on('error', () => undefined); // a dead executor: seen on close
    this.child.once('close', () => {
      this.alive = false;
      this.onEnd?.();
    });
    this.child.once('error', () => {
      this.alive = false;
      this.onEnd?.();
    });
    // Idle, a session keeps nothing of the worker waiting.
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (s as unknown as { unref?: () => void } | null)?.unref?.();
    }
  }

  static async start(
    dirs: WorkspaceDirs,
    key: string,
    shape: SandboxShape,
    shell: string,
  ): Promise<SandboxSession> {
    const ino = (await stat(dirs.checkout)).ino;
    const free = await freeBytes(dirs.root);
    const usage = { bytes: await diskUsage(dirs.root), free };
    return new SandboxSession(dirs, key, ino, shape, shell, usage);
  }

  /** Still usable for `dirs`: running, idle, and the same checkout directory (not rebuilt). */
  async usableFor(dirs: WorkspaceDirs, key: string): Promise<boolean> {
    if (!this.alive || this.running || key !== this.key || dirs.root !== this.dirs.root)
      return false;
    return (await stat(dirs.checkout).catch(() => undefined))?.ino === this.checkoutIno;
  }

  get idle(): boolean {
    return this.alive && !this.running;
  }

  /** A command runs in it now. */
  get busy(): boolean {
    return this.running;
  }

  close(): void {
    if (this.alive) killSandbox(this.child);
    this.alive = false;
  }

  async run(command: string, opts: RunOptions): Promise<CommandResult> {
    if (!this.alive || this.running) throw new Error('sandbox session not ready');
    this.running = true;
    try {
      return await this.exchange(command, opts);
    } finally {
      this.running = false;
    }
  }

  /**
   * Whether the workspace is past `limit` bytes. Whatever the filesystem lost
   * since the last look (commands, the editor's writes between them, other
   * writers: an upper bound) is added to the bound; the workspace is walked
   * only when the bound passes the limit.
   */
  private async pastDisk(limit: number): Promise<boolean> {
    const free = await freeBytes(this.dirs.root);
    this.usageBound += Math.max(0, this.freeAtBound - free);
    this.freeAtBound = free;
    if (this.usageBound <= limit) return false;
    this.usageBound = await diskUsage(this.dirs.root);
    return this.usageBound > limit;
  }

  private async exchange(command: string, opts: RunOptions): Promise<CommandResult> {
    const nonce = randomBytes(16).toString('hex');
    const request = executorRequest(nonce, command);
    const cap = new OutputCap(opts.limits.max_output_bytes);
    const scanner = new EndScanner(nonce);
    const diskLimit = opts.limits.disk_mb * MB;
    const overDisk = () => this.pastDisk(diskLimit);
    const started = performance.now();
    const ended = new Promise<number | undefined>((resolve) => {
      this.onData = (b) => {
        const r = scanner.push(b);
        if (r.output.length) cap.push(r.output);
        if (r.status !== undefined) resolve(r.status);
      };
      this.onEnd = () => {
        const rest = scanner.flush();
        if (rest.length) cap.push(rest);
        resolve(undefined);
      };
      if (!this.alive) this.onEnd();
    });
    const guard = guardCommand({
      limits: opts.limits,
      signal: opts.signal,
      diskPollMs: opts.diskPollMs,
      overDisk,
      kill: () => this.close(),
    });
    this.child.stdin?.write(request);
    const status = await ended.finally(() => guard.stop());
    this.onData = undefined;
    this.onEnd = undefined;
    if (!guard.killed && (await overDisk())) {
      guard.mark('workspace_disk');
      this.close();
    }
    const durationMs = performance.now() - started;
    if (status !== undefined) {
      return commandResult(status, durationMs, cap, guard.killed, opts.limits);
    }
    // The sandbox ended under the command: a limit killed it, or the command ended its executor.
    const result = commandResult(137, durationMs, cap, guard.killed, opts.limits);
    if (guard.killed) return result;
    const why = this.startup.trim().split('\n')[0];
    return {
      ...result,
      note: `the sandbox ended before the command returned${why ? ` (${why})` : ''}`,
    };
  }
}

export interface SandboxSessionsOptions {
  /** A directory of the worker's, not writable by the sandbox user, for the executor's shell. */
  binDir: string;
  /** A session idle this long is closed (default 10 minutes). */
  idleMs?: number;
}

/** This worker's sandbox sessions, one per workspace id. */
export class SandboxSessions {
  private readonly sessions = new Map<string, SandboxSession>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private shell: Promise<string> | undefined;

  constructor(private readonly opts: SandboxSessionsOptions) {}

  /**
   * Runs `command` in workspace `id`'s session (started, or restarted, as
   * needed); in a sandbox of its own when the session is busy.
   */
  async run(
    id: string,
    dirs: WorkspaceDirs,
    command: string,
    opts: RunOptions,
  ): Promise<CommandResult> {
    const key = shapeKey(opts);
    let session = this.sessions.get(id);
    if (session && !(await session.usableFor(dirs, key))) {
      if (session.busy) return runSandboxed(dirs, command, opts);
      this.close(id);
      session = undefined;
    }
    if (!session) {
      const made = await SandboxSession.start(dirs, key, opts, await this.executorShell());
      if (this.sessions.has(id)) {
        made.close(); // another command of this workspace started one meanwhile
        return runSandboxed(dirs, command, opts);
      }
      session = made;
      this.sessions.set(id, session);
    }
    if (session.busy) return runSandboxed(dirs, command, opts);
    this.touch(id);
    try {
      return await session.run(command, opts);
    } finally {
      this.touch(id);
    }
  }

  /** Ends workspace `id`'s session (its workspace is removed or rebuilt). */
  close(id: string): void {
    this.sessions.get(id)?.close();
    this.sessions.delete(id);
    clearTimeout(this.idleTimers.get(id));
    this.idleTimers.delete(id);
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }

  /** Open sessions (for tests and status). */
  get size(): number {
    return this.sessions.size;
  }

  private touch(id: string): void {
    clearTimeout(this.idleTimers.get(id));
    const timer = setTimeout(
      () => {
        if (this.sessions.get(id)?.idle) this.close(id);
      },
      this.opts.idleMs ?? 10 * 60_000,
    );
    timer.unref();
    this.idleTimers.set(id, timer);
  }

  /** The executor's shell: a copy of `/bin/sh` that may be executed but not read (mode 0111). */
  private executorShell(): Promise<string> {
    this.shell ??= (async () => {
      await mkdir(this.opts.binDir, { recursive: true, mode: 0o755 });
      await chmod(this.opts.binDir, 0o755);
      const target = join(this.opts.binDir, 'sandbox-sh');
      const partial = `${target}.${process.pid}.partial`;
      await rm(partial, { force: true });
      await copyFile(await realpath('/bin/sh'), partial, constants.COPYFILE_FICLONE);
      await chmod(partial, 0o111);
      await rename(partial, target);
      return target;
    })();
    this.shell.catch(() => {
      this.shell = undefined;
    });
    return this.shell;
  }
}
