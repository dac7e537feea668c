/**
 * The bubblewrap command line of one sandboxed command. Pure: the runner
 * (../sandbox.ts) looks at the host and spawns; this decides what the command
 * may see and do.
 *
 * - new user, mount, PID, IPC, UTS, cgroup and network namespaces
 *   (`--unshare-all`); the host network only when `network` is true;
 * - the system (`/usr` and its merged-usr links, a short list of `/etc`
 *   files) read-only; nothing else of the host: no `/root`, `/home`, `/run`,
 *   `/work`, `/var`, `/sys`, `/opt`, no npmrc or gitconfig;
 * - the workspace's checkout at `/workspace` (the working directory), its home
 *   at `/home/agent` and its private `/tmp`: the only writable places;
 * - a `/proc` of its own PID namespace and a minimal `/dev`;
 * - a clean environment;
 * - rlimits set by `prlimit` before the command: address space per process,
 *   processes (counted per sandbox user namespace), file size, no core dumps.
 *   Memory is RLIMIT_DATA (private writable memory per process), not
 *   RLIMIT_AS: V8 and WebAssembly reserve far more address space than they use.
 */

/** A top-level system path of the host: a real directory, or a merged-usr symlink. */
export type SystemEntry =
  { path: string; kind: 'dir' } | { path: string; kind: 'symlink'; target: string };

/** Candidates for the read-only system: binaries and libraries. */
export const SYSTEM_PATHS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The `/etc` entries a command may need (users, name resolution, TLS roots, linker, time zone). */
export const ETC_ENTRIES = [
  'passwd',
  'group',
  'hosts',
  'host.conf',
  'nsswitch.conf',
  'resolv.conf',
  'gai.conf',
  'protocols',
  'services',
  'ssl/certs',
  'ca-certificates',
  'ca-certificates.conf',
  'alternatives',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'timezone',
  'os-release',
  'mime.types',
];

/** Where a session's executor shell appears inside the sandbox. */
export const SESSION_SHELL = '/run/blogtube/sh';

/** Where the workspace appears inside the sandbox. */
export const SANDBOX_PATHS = { checkout: '/workspace', home: '/home/agent', tmp: '/tmp' };

export interface SandboxLimits {
  wallSeconds: number;
  memoryBytes: number;
  processes: number;
  fileSizeBytes: number;
}

export interface SandboxPlanInput {
  /** Host directories of the workspace. */
  checkoutDir: string;
  homeDir: string;
  tmpDir: string;
  /** Host system layout (see SystemEntry); entries missing on the host are left out. */
  system: readonly SystemEntry[];
  /** Host network (setup phase, `network: all`); otherwise a loopback of its own only. */
  network: boolean;
  limits: SandboxLimits;
  /** The command, run by `/bin/sh -c` (or by `shell`). */
  command: string;
  /**
   * A host file of a shell to run `command` with instead of `/bin/sh`, bound
   * read-only at SESSION_SHELL (a sandbox session's executor: a copy its user
   * may execute but not read, which makes the process not dumpable).
   */
  shell?: string;
  /** Extra variables (validated names); never the worker's environment. */
  env?: Readonly<Record<string, string>>;
  /** Absolute host paths to the binaries the plan runs (found on the worker's PATH). */
  prlimitPath: string;
  /** Host files hidden behind an empty file if they fall inside a bound system path. */
  hide?: readonly string[];
}

export const SANDBOX_PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment a sandboxed command starts with: nothing of the worker's. */
export function sandboxEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {
    ...extra,
    CI: 'true',
    HOME: SANDBOX_PATHS.home,
    PATH: SANDBOX_PATH_ENV,
    TMPDIR: SANDBOX_PATHS.tmp,
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
    USER: 'agent',
  };
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad variable name ${name}`);
  }
  return env;
}

/** The bwrap arguments (without the `bwrap` itself). */
export function bwrapArgs(input: SandboxPlanInput): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
  if (input.network) args.push('--share-net');
  args.push('--hostname', 'sandbox');
  for (const entry of input.system) {
    if (entry.kind === 'dir') args.push('--ro-bind', entry.path, entry.path);
    else args.push('--symlink', entry.target, entry.path);
  }
  for (const name of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
  const bound = [...input.system.filter((e) => e.kind === 'dir').map((e) => e.path), '/etc'];
  for (const path of input.hide ?? []) {
    if (bound.some((b) => path === b || path.startsWith(`${b}/`))) {
      args.push('--ro-bind-try', '/dev/null', path);
    }
  }
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--bind', input.tmpDir, SANDBOX_PATHS.tmp);
  args.push('--bind', input.homeDir, SANDBOX_PATHS.home);
  args.push('--bind', input.checkoutDir, SANDBOX_PATHS.checkout);
  if (input.shell) args.push('--ro-bind', input.shell, SESSION_SHELL);
  // The sandbox's own root (a tmpfs holding the mount points) read-only too.
  args.push('--remount-ro', '/');
  args.push('--chdir', SANDBOX_PATHS.checkout, '--clearenv');
  for (const [name, value] of Object.entries(sandboxEnv(input.env))) {
    args.push('--setenv', name, value);
  }
  const l = input.limits;
  args.push(
    '--',
    input.prlimitPath,
    `--data=${l.memoryBytes}`,
    `--nproc=${l.processes}`,
    `--fsize=${l.fileSizeBytes}`,
    '--core=0',
    '--nofile=4096',
    '--',
    input.shell ? SESSION_SHELL : '/bin/sh',
    '-c',
    input.command,
  );
  return args;
}

/** A readable name for a shell-style exit status above 128 (`137` → `SIGKILL`). */
export function signalOfStatus(code: number | null): string | undefined {
  if (code === null || code <= 128 || code > 128 + 64) return undefined;
  const names: Record<number, string> = {
    1: 'SIGHUP',
    2: 'SIGINT',
    6: 'SIGABRT',
    9: 'SIGKILL',
    11: 'SIGSEGV',
    13: 'SIGPIPE',
    15: 'SIGTERM',
    24: 'SIGXCPU',
    25: 'SIGXFSZ',
  };
  return names[code - 128] ?? `signal ${code - 128}`;
}
