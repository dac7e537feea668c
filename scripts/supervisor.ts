/**
 * Runs child processes, each the leader of its own process group: prefixes
 * their output with their name, restarts one that exits with backoff, and
 * stops them all in reverse start order.
 */
import { type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { onLines } from './lines.js';
import {
  groupAlive,
  hasExited,
  killGroup,
  type Reaper,
  spawnGroup,
  terminateGroup,
} from './proc.js';
import {
  DEFAULT_RESTART_POLICY,
  describeExit,
  formatDelay,
  nextRestart,
  type RestartPolicy,
} from './restart-policy.js';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface SupervisorOptions {
  /** Writes one line of child stdout / supervisor messages (default: process.stdout). */
  out?: (line: string) => void;
  /** Writes one line of child stderr (default: process.stderr). */
  err?: (line: string) => void;
  /** Colors the name prefixes (default: stdout is a TTY and NO_COLOR is unset). */
  color?: boolean;
  /** Width the name prefixes are padded to (default: longest name so far). */
  prefixWidth?: number;
  /** SIGTERM → SIGKILL grace per child on stop (default 10 s). */
  graceMs?: number;
  policy?: RestartPolicy;
  reaper?: Reaper;
}

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93];

interface Managed {
  spec: ChildSpec;
  color: number;
  child?: ChildProcess;
  startedAt: number;
  failures: number;
  restarts: number;
  timer?: NodeJS.Timeout;
}

/**
 * Events: `spawn` (name, pid), `exit` (name, code, signal),
 * `restart` (name, delayMs).
 */
export class Supervisor extends EventEmitter {
  readonly #children: Managed[] = [];
  readonly #opts: Required<Omit<SupervisorOptions, 'reaper' | 'prefixWidth'>> &
    Pick<SupervisorOptions, 'reaper' | 'prefixWidth'>;
  #stopping = false;

  constructor(opts: SupervisorOptions = {}) {
    super();
    this.#opts = {
      out: opts.out ?? ((line) => process.stdout.write(`${line}\n`)),
      err: opts.err ?? ((line) => process.stderr.write(`${line}\n`)),
      color: opts.color ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR),
      graceMs: opts.graceMs ?? 10_000,
      policy: opts.policy ?? DEFAULT_RESTART_POLICY,
      reaper: opts.reaper,
      prefixWidth: opts.prefixWidth,
    };
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Starts `spec` now; it is restarted whenever it exits until {@link stop}. */
  add(spec: ChildSpec): void {
    if (this.#stopping) throw new Error('supervisor is stopping');
    if (this.#children.some((m) => m.spec.name === spec.name)) {
      throw new Error(`a child named ${spec.name} is already supervised`);
    }
    const managed: Managed = {
      spec,
      color: COLORS[this.#children.length % COLORS.length] ?? 36,
      startedAt: 0,
      failures: 0,
      restarts: 0,
    };
    this.#children.push(managed);
    this.#spawn(managed);
  }

  /** Current pid of each child (undefined while it waits for a restart). */
  pids(): Record<string, number | undefined> {
    const out: Record<string, number | undefined> = {};
    for (const m of this.#children)
      out[m.spec.name] = m.child && !hasExited(m.child) ? m.child.pid : undefined;
    return out;
  }

  restarts(name: string): number {
    return this.#children.find((m) => m.spec.name === name)?.restarts ?? 0;
  }

  /** Supervisor message: `[supervisor] …`. */
  log(message: string): void {
    this.#opts.out(`${this.#paint(90, '[supervisor]')} ${message}`);
  }

  /** Stops every child in reverse start order (SIGTERM, SIGKILL after the grace period). */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const m of this.#children) clearTimeout(m.timer);
    for (const m of [...this.#children].reverse()) {
      const child = m.child;
      if (!child || child.pid === undefined) continue;
      if (hasExited(child) && !groupAlive(child.pid)) continue;
      const how = await terminateGroup(child, { graceMs: this.#opts.graceMs });
      if (how === 'killed') this.log(`${m.spec.name} did not stop in time; killed`);
      this.#opts.reaper?.remove(child.pid);
    }
  }

  /** SIGKILLs every child's group at once (second Ctrl-C). */
  kill(): void {
    this.#stopping = true;
    for (const m of this.#children) {
      clearTimeout(m.timer);
      if (m.child?.pid !== undefined) killGroup(m.child.pid, 'SIGKILL');
    }
  }

  #spawn(m: Managed): void {
    const { spec } = m;
    const child = spawnGroup(spec.command, spec.args, {
      env: spec.env ?? process.env,
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    m.child = child;
    m.startedAt = Date.now();
    this.#opts.reaper?.add(child.pid);
    const prefix = this.#prefix(m);
    if (child.stdout) onLines(child.stdout, (line) => this.#opts.out(`${prefix} ${line}`));
    if (child.stderr) onLines(child.stderr, (line) => this.#opts.err(`${prefix} ${line}`));
    child.on('error', (err) => {
      this.log(`${spec.name} could not start: ${err.message}`);
      if (child.pid === undefined) this.#exited(m, child, null, null);
    });
    child.on('exit', (code, signal) => this.#exited(m, child, code, signal));
    if (child.pid !== undefined) this.emit('spawn', spec.name, child.pid);
  }

  #exited(
    m: Managed,
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (m.child !== child) return;
    this.emit('exit', m.spec.name, code, signal);
    if (this.#stopping) return;
    // Whatever the child left running in its group goes with it.
    if (child.pid !== undefined) {
      killGroup(child.pid, 'SIGKILL');
      this.#opts.reaper?.remove(child.pid);
    }
    const { failures, delayMs } = nextRestart(
      m.failures,
      Date.now() - m.startedAt,
      this.#opts.policy,
    );
    m.failures = failures;
    this.log(
      `${m.spec.name} exited (${describeExit(code, signal)}); restarting in ${formatDelay(delayMs)}`,
    );
    this.emit('restart', m.spec.name, delayMs);
    m.timer = setTimeout(() => {
      if (this.#stopping) return;
      m.restarts += 1;
      this.#spawn(m);
    }, delayMs);
  }

  #prefix(m: Managed): string {
    const width =
      this.#opts.prefixWidth ?? Math.max(...this.#children.map((c) => c.spec.name.length));
    return this.#paint(m.color, m.spec.name.padEnd(width) + ' |');
  }

  #paint(color: number, text: string): string {
    return this.#opts.color ? `\u001b[${color}m${text}\u001b[0m` : text;
  }
}

/**
 * First SIGINT/SIGTERM: graceful `shutdown()` then `exit(0)` (1 if it threw).
 * A second one: `force()` then `exit(1)`. Returns a function that uninstalls
 * the handlers. `emitter` defaults to `process` (tests pass their own).
 */
export function handleShutdownSignals(opts: {
  shutdown: () => Promise<void>;
  force: () => void;
  log: (message: string) => void;
  exit?: (code: number) => void;
  emitter?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  signals?: NodeJS.Signals[];
}): () => void {
  const emitter = opts.emitter ?? process;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const signals = opts.signals ?? ['SIGINT', 'SIGTERM'];
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) {
      opts.log(`${signal}: stopping everything (press Ctrl-C again to force)`);
      opts.shutdown().then(
        () => count === 1 && exit(0),
        (err: unknown) => {
          if (count !== 1) return;
          opts.log(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
          exit(1);
        },
      );
    } else if (count === 2) {
      opts.log(`${signal} again: killing everything now`);
      opts.force();
      exit(1);
    }
  };
  for (const s of signals) emitter.on(s, handler);
  return () => {
    for (const s of signals) emitter.off(s, handler);
  };
}
