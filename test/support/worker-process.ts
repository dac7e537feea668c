/**
 * Workers as real processes (`node dist/workers/<kind>.js`, built by
 * `npm test`), so a test can SIGKILL one mid-call the way a crashed machine
 * would. Each process's Temporal identity is `<pid>@<host>`, which is how a
 * test finds the process running a given activity.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type WorkerKind = 'orchestrator' | 'model' | 'workspace';

export interface WorkerProcess {
  kind: WorkerKind;
  pid: number;
  /** Output so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves when the worker logged that it polls its task queue. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the process has exited. */
  killed(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export function spawnWorker(kind: WorkerKind, env: NodeJS.ProcessEnv): WorkerProcess {
  const entry = fileURLToPath(new URL(`../../dist/workers/${kind}.js`, import.meta.url));
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (/polling/.test(out)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code, signal }) =>
      reject(new Error(`${kind} worker exited (${signal ?? code}) before polling:\n${out}`)),
    );
  });
  ready.catch(() => {});
  return {
    kind,
    pid: child.pid ?? -1,
    output: () => out,
    ready,
    exited,
    killed: () => child.exitCode !== null || child.signalCode !== null,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** The pid in a worker identity `<pid>@<host>` (Temporal's default). */
export function pidOfIdentity(identity: string | null | undefined): number | undefined {
  const m = /^(\d+)@/.exec(identity ?? '');
  return m ? Number(m[1]) : undefined;
}
