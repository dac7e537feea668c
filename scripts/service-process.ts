/**
 * A long-running program of the production-like stack (PostgreSQL, the
 * Temporal server, the Web UI server) as a child process group: its output
 * appended to a log file and its last lines kept for error messages,
 * registered with the reaper, stopped with a signal then SIGKILL.
 */
import { type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { onLines, Tail } from './lines.js';
import { hasExited, type Reaper, spawnGroup, terminateGroup } from './proc.js';

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface ServiceProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<Exit>;
  /** True once the process has exited (or could not start). */
  done(): boolean;
  /** Why it is gone, with its last output lines; undefined while it runs. */
  failure(): string | undefined;
  /** Last output lines. */
  tail(): string;
  stop(): Promise<void>;
}

export async function startService(o: {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as another user (PostgreSQL under root). */
  ids?: Pick<SpawnOptions, 'uid' | 'gid'>;
  logFile: string;
  reaper?: Reaper;
  /** Stop signal (default SIGTERM) and grace before SIGKILL (default 10 s). */
  stopSignal?: NodeJS.Signals;
  graceMs?: number;
}): Promise<ServiceProcess> {
  await mkdir(dirname(o.logFile), { recursive: true });
  const stream: WriteStream = createWriteStream(o.logFile, { flags: 'a' });
  stream.on('error', () => {});
  stream.write(`--- ${new Date().toISOString()} ${o.name}: ${o.command} ${o.args.join(' ')}\n`);
  const child = spawnGroup(o.command, o.args, {
    env: o.env,
    cwd: o.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...o.ids,
  });
  o.reaper?.add(child.pid);
  const tail = new Tail(40);
  const record = (line: string): void => {
    tail.push(line);
    stream.write(`${line}\n`);
  };
  if (child.stdout) onLines(child.stdout, record);
  if (child.stderr) onLines(child.stderr, record);
  let spawnError: Error | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      spawnError = err;
      resolve({ code: null, signal: null });
    });
  });
  let stopping: Promise<void> | undefined;
  const done = (): boolean => spawnError !== undefined || hasExited(child);
  return {
    pid: child.pid ?? -1,
    child,
    exited,
    done,
    tail: () => tail.toString(),
    failure: () => {
      if (spawnError) return `${o.name} could not start: ${spawnError.message}`;
      if (!hasExited(child)) return undefined;
      return `${o.name} exited (${child.signalCode ?? `exit code ${child.exitCode}`}); last output (log: ${o.logFile}):\n${tail.toString() || '(none)'}`;
    },
    stop: () => {
      stopping ??= (async () => {
        if (child.pid !== undefined) {
          await terminateGroup(child, {
            signal: o.stopSignal ?? 'SIGTERM',
            graceMs: o.graceMs ?? 10_000,
          });
        }
        o.reaper?.remove(child.pid);
        await new Promise<void>((resolve) => stream.end(resolve));
      })();
      return stopping;
    },
  };
}
