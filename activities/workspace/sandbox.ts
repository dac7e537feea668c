/**
 * Runs one command in a workspace under bubblewrap (see pure/sandbox-plan.ts
 * for what it may see), with the wall-time and workspace-disk limits enforced
 * from outside and the output capped (pure/output.ts). Nothing the command
 * starts outlives it: bwrap's PID 1 ends with the command, and the kernel
 * kills whatever is left in its PID namespace.
 *
 * Limits: wall time by a timer that kills bwrap (its namespace dies with it);
 * memory (RLIMIT_DATA per process), processes and file size by rlimits
 * (`prlimit`) inside the sandbox; workspace disk by measuring the workspace
 * while the command runs (every second) and killing it past the limit. No
 * cgroups: they are not delegated to a worker in a container, rlimits are.
 * RLIMIT_NPROC does not bind root, so a worker running as root runs its
 * commands as the unprivileged `SANDBOX_UID` (`setpriv`), and its workspaces
 * belong to that user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, lstatSync, readlinkSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { WorkspaceLimits } from '../../common/repo-config.js';
import { OutputCap } from './pure/output.js';
import {
  bwrapArgs,
  signalOfStatus,
  SYSTEM_PATHS,
  type SandboxLimits,
  type SystemEntry,
} from './pure/sandbox-plan.js';

/** The user a root worker's commands run as (and owner of its workspaces): `nobody`. */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

const MB = 1024 * 1024;

/** Who the sandboxed command runs as: the worker itself unless it is root. */
export function sandboxOwner(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: SANDBOX_UID, gid: SANDBOX_GID } : undefined;
}

/** Host directories of one workspace. */
export interface WorkspaceDirs {
  /** The checkout (the sandbox's `/workspace`). */
  checkout: string;
  /** The command's HOME (`/home/agent`). */
  home: string;
  /** Its private `/tmp`. */
  tmp: string;
  /** The directory holding all three: what the disk limit measures. */
  root: string;
}

export type KilledReason = 'wall_time' | 'workspace_disk';

export interface CommandResult {
  /** Exit status (128 + n when the command died of signal n). */
  exitCode: number;
  /** The signal behind a status above 128 (`SIGXFSZ`: the file-size limit). */
  signal?: string;
  durationMs: number;
  /** Standard output and error, interleaved as they came, capped (head and tail). */
  output: string;
  outputBytes: number;
  truncated: boolean;
  /** Why the sandbox killed the command, if it did. */
  killed?: KilledReason;
  /** A sentence for the agent when a limit ended the command. */
  note?: string;
}

export interface RunOptions {
  /** Host network (setup phase, `network: all`). Default false: a loopback of its own only. */
  network?: boolean;
  limits: WorkspaceLimits;
  env?: Record<string, string>;
  /** Host files to hide even if they sit in a bound system path (key files). */
  hide?: readonly string[];
  /** PATH used to find bwrap, setpriv and prlimit (default the worker's). */
  hostPath?: string;
  /** Aborts the command (an activity's cancellation); it counts as killed for wall time. */
  signal?: AbortSignal;
  /** How often the workspace is measured while the command runs (default 1000 ms). */
  diskPollMs?: number;
}

export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

let systemLayout: SystemEntry[] | undefined;

/** The host's top-level system paths: directories bound read-only, merged-usr links recreated. */
export function hostSystem(): SystemEntry[] {
  if (systemLayout) return systemLayout;
  const out: SystemEntry[] = [];
  for (const path of SYSTEM_PATHS) {
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) out.push({ path, kind: 'symlink', target: readlinkSync(path) });
      else if (st.isDirectory()) out.push({ path, kind: 'dir' });
    } catch {
      // absent on this host
    }
  }
  systemLayout = out;
  return out;
}

/** Bytes the files under `dir` occupy on disk (allocated blocks), symlinks not followed. */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return; // removed meanwhile
    }
    for (const e of entries) {
      const p = join(d, e.name);
      try {
        const st = await lstat(p);
        total += st.blocks * 512;
        if (st.isDirectory()) await walk(p);
      } catch {
        // removed meanwhile
      }
    }
  };
  await walk(dir);
  return total;
}

export function sandboxLimits(l: WorkspaceLimits): SandboxLimits {
  return {
    wallSeconds: l.wall_seconds,
    memoryBytes: l.memory_mb * MB,
    processes: l.processes,
    fileSizeBytes: l.file_size_mb * MB,
  };
}

interface Tools {
  bwrap: string;
  prlimit: string;
  setpriv?: string;
}

function tools(hostPath: string | undefined): Tools | string {
  const bwrap = findExecutable('bwrap', hostPath);
  if (!bwrap) return 'bubblewrap (bwrap) is not installed';
  const prlimit = findExecutable('prlimit', hostPath);
  if (!prlimit) return 'prlimit (util-linux) is not installed';
  if (!sandboxOwner()) return { bwrap, prlimit };
  const setpriv = findExecutable('setpriv', hostPath);
  if (!setpriv) return 'setpriv (util-linux) is not installed';
  return { bwrap, prlimit, setpriv };
}

/** argv of the sandboxed command: [setpriv to the sandbox user] bwrap … prlimit … sh -c. */
function commandLine(t: Tools, args: string[]): [string, string[]] {
  const owner = sandboxOwner();
  if (!owner || !t.setpriv) return [t.bwrap, args];
  return [
    t.setpriv,
    [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', t.bwrap, ...args],
  ];
}

/** What shapes a sandbox (the same for every command of a sandbox session). */
export type SandboxShape = Pick<RunOptions, 'network' | 'limits' | 'env' | 'hide' | 'hostPath'>;

/**
 * The program and arguments of a sandbox running `command` in `dirs`: by
 * `/bin/sh -c`, or by the host shell `shell` (a session's executor), with
 * `extraProcesses` added to the process limit for what the sandbox itself runs.
 * Throws SandboxUnavailable when the machine lacks what it needs.
 */
export function sandboxArgv(
  dirs: WorkspaceDirs,
  command: string,
  shape: SandboxShape,
  extra: { shell?: string; extraProcesses?: number } = {},
): [string, string[]] {
  const t = tools(shape.hostPath);
  if (typeof t === 'string') throw new SandboxUnavailable(t);
  const limits = sandboxLimits(shape.limits);
  limits.processes += extra.extraProcesses ?? 0;
  const args = bwrapArgs({
    checkoutDir: dirs.checkout,
    homeDir: dirs.home,
    tmpDir: dirs.tmp,
    system: hostSystem(),
    network: shape.network ?? false,
    limits,
    command,
    env: shape.env,
    prlimitPath: t.prlimit,
    hide: shape.hide,
    shell: extra.shell,
  });
  return commandLine(t, args);
}

/** Starts a sandbox's process tree in a group of its own, with nothing of the worker's environment. */
export function spawnSandbox(file: string, argv: string[], stdin: 'ignore' | 'pipe'): ChildProcess {
  return spawn(file, argv, { stdio: [stdin, 'pipe', 'pipe'], detached: true, env: {} });
}

/** Kills a sandbox: bwrap's process group; `--die-with-parent` and its PID namespace do the rest. */
export function killSandbox(child: ChildProcess): void {
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The watch over one running command (see guardCommand). */
export interface CommandGuard {
  /** Why the guard killed the command, if it did. */
  readonly killed: KilledReason | undefined;
  /** The command ended: stop the timer and the disk watch (resolves when the watch is idle). */
  stop(): Promise<void>;
  /** Records a limit found after the command ended. */
  mark(reason: KilledReason): void;
}

/**
 * Watches one running command: kills it at its wall time or when `signal`
 * aborts (both count as wall time), and when `overDisk` finds the workspace
 * past its disk limit (asked every `diskPollMs`, default 1000 ms).
 */
export function guardCommand(g: {
  limits: WorkspaceLimits;
  signal?: AbortSignal;
  diskPollMs?: number;
  overDisk: () => Promise<boolean>;
  kill: () => void;
}): CommandGuard {
  let killed: KilledReason | undefined;
  const kill = (reason: KilledReason): void => {
    if (killed) return;
    killed = reason;
    g.kill();
  };
  const timer = setTimeout(() => kill('wall_time'), g.limits.wall_seconds * 1000);
  const onAbort = (): void => kill('wall_time');
  if (g.signal?.aborted) onAbort();
  g.signal?.addEventListener('abort', onAbort, { once: true });
  let running = true;
  let wake: (() => void) | undefined;
  const watch = (async (): Promise<void> => {
    while (running) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, g.diskPollMs ?? 1000);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      if (running && (await g.overDisk())) kill('workspace_disk');
    }
  })();
  return {
    get killed() {
      return killed;
    },
    async stop() {
      running = false;
      wake?.();
      clearTimeout(timer);
      g.signal?.removeEventListener('abort', onAbort);
      await watch;
    },
    mark(reason) {
      killed ??= reason;
    },
  };
}

/** The result of a command that ended with `exitCode` after `durationMs`. */
export function commandResult(
  exitCode: number,
  durationMs: number,
  cap: OutputCap,
  killed: KilledReason | undefined,
  limits: WorkspaceLimits,
): CommandResult {
  const out = cap.result();
  const signal = signalOfStatus(exitCode);
  return {
    exitCode,
    ...(signal ? { signal } : {}),
    durationMs: Math.round(durationMs),
    output: out.text,
    outputBytes: out.totalBytes,
    truncated: out.truncated,
    ...(killed ? { killed } : {}),
    ...noteFor(killed, signal, limits),
  };
}

/** Runs `command` in a sandbox of its own, made for it and gone when it returns. */
export async function runSandboxed(
  dirs: WorkspaceDirs,
  command: string,
  opts: RunOptions,
): Promise<CommandResult> {
  const [file, argv] = sandboxArgv(dirs, command, opts);
  const cap = new OutputCap(opts.limits.max_output_bytes);
  const diskLimit = opts.limits.disk_mb * MB;
  const overDisk = async () => (await diskUsage(dirs.root)) > diskLimit;
  const started = performance.now();
  const child = spawnSandbox(file, argv, 'ignore');
  const guard = guardCommand({
    limits: opts.limits,
    signal: opts.signal,
    diskPollMs: opts.diskPollMs,
    overDisk,
    kill: () => killSandbox(child),
  });
  child.stdout?.on('data', (b: Buffer) => cap.push(b));
  child.stderr?.on('data', (b: Buffer) => cap.push(b));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)));
  }).finally(() => guard.stop());
  if (!guard.killed && (await overDisk())) guard.mark('workspace_disk');
  return commandResult(exitCode, performance.now() - started, cap, guard.killed, opts.limits);
}

function noteFor(
  killed: KilledReason | undefined,
  signal: string | undefined,
  l: WorkspaceLimits,
): { note?: string } {
  if (killed === 'wall_time') {
    return { note: `killed: the command ran past its ${l.wall_seconds} s wall-time limit` };
  }
  if (killed === 'workspace_disk') {
    return { note: `killed: the workspace grew past its ${l.disk_mb} MB disk limit` };
  }
  if (signal === 'SIGXFSZ') {
    return { note: `a file grew past the ${l.file_size_mb} MB file-size limit` };
  }
  return {};
}

/** The machine cannot sandbox commands; the message names the fix. */
export class SandboxUnavailable extends Error {
  constructor(problem: string) {
    super(
      `${problem}: agents' commands cannot be sandboxed on this machine. Fix: apt-get install bubblewrap ` +
        '(Debian/Ubuntu; it brings bwrap, with util-linux for prlimit and setpriv) on a kernel that allows ' +
        'unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces>0; ' +
        'in a container: a seccomp/AppArmor profile that allows unshare and mount), ' +
        'or set `workspace.commands: off` in .github/blogtube.yml to run agents with editor and search only.',
    );
    this.name = 'SandboxUnavailable';
  }
}

/**
 * Preflight for a workspace worker with commands on: bubblewrap present and a
 * sandbox that starts (user namespaces allowed), and, given the workspace
 * root, one that can reach it as the sandbox user. Returns undefined when all
 * is well, else the error to refuse to start with.
 */
export function checkSandbox(
  opts: { hostPath?: string; workspaceRoot?: string } = {},
): SandboxUnavailable | undefined {
  const t = tools(opts.hostPath);
  if (typeof t === 'string') return new SandboxUnavailable(t);
  const args = [
    '--unshare-all',
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    ...hostSystem().flatMap((e) =>
      e.kind === 'dir' ? ['--ro-bind', e.path, e.path] : ['--symlink', e.target, e.path],
    ),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    // The workspace root must be reachable by the sandbox user (not under a 0700 home).
    ...(opts.workspaceRoot ? ['--ro-bind', opts.workspaceRoot, '/workspace'] : []),
    '--',
    t.prlimit,
    '--nproc=16',
    '--',
    '/bin/sh',
    '-c',
    'echo sandbox-ok',
  ];
  const [file, argv] = commandLine(t, args);
  const run = spawnSync(file, argv, { encoding: 'utf8', timeout: 10_000, env: {} });
  if (run.status === 0 && run.stdout.trim() === 'sandbox-ok') return undefined;
  const why = (run.stderr || run.error?.message || `exit ${run.status}`).trim().split('\n')[0];
  return new SandboxUnavailable(`bubblewrap cannot start a sandbox (${why})`);
}
