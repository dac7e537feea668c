/**
 * The SDK's memory floor, measured in the caller's run: a bare worker of the
 * same SDK (bench/bare-worker.ts) spawned as a process, its RSS read from
 * /proc after it polled and, optionally, after it took `n` open workflows
 * into its sticky cache. Used by bench/worker-start.ts and bench/prod.ts.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { leanSourceMap } from '../scripts/bundle-workflows.js';
import { ROOT } from '../scripts/issue-data.js';
import { sleep } from '../scripts/net.js';

export const IDLE_MS = 5_000;

export interface Sample {
  startMs: number;
  rssBytes: number;
}

export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Starts workflows that stay open on `taskQueue`, waits until each ran its first task; returns their release. */
export type OpenWorkflows = (taskQueue: string) => Promise<() => Promise<void>>;

export const BARE_WORKER = join(ROOT, 'dist', 'bench', 'bare-worker.js');
export const BARE_WORKFLOWS = join(ROOT, 'dist', 'bench', 'bare-workflows.js');

/** Bundles the bare workflows once (webpack), as `npm run build` does BlogTube's (same source map). */
export async function buildBareBundle(): Promise<string> {
  const path = join(ROOT, 'dist', 'bench', 'bare-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: BARE_WORKFLOWS,
    webpackConfigHook: leanSourceMap,
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(path, code);
  return path;
}

/** Spawn → "polling" time, then RSS after `idleMs` (with `openWorkflows` held, if given). */
export async function measure(
  file: string,
  env: NodeJS.ProcessEnv,
  openWorkflows?: OpenWorkflows,
  idleMs = IDLE_MS,
): Promise<Sample> {
  const started = Date.now();
  const child = spawn(process.execPath, [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const startMs = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (/polling/.test(out)) resolve(Date.now() - started);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}):\n${out}`)));
  });
  try {
    const close = openWorkflows ? await openWorkflows(env.BARE_TASK_QUEUE ?? 'bare') : undefined;
    await sleep(idleMs);
    const rssBytes = rssOf(child.pid as number);
    await close?.();
    return { startMs, rssBytes };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((r) => child.once('exit', r));
    }
  }
}

/** `n` bare `waiting` workflows on the task queue, each cached once its first task completed. */
export function holding(client: Client, n: number): OpenWorkflows {
  return async (taskQueue) => {
    const handles = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        client.workflow.start('waiting', { taskQueue, workflowId: `${taskQueue}-${i}` }),
      ),
    );
    for (const h of handles) {
      while (Number((await h.describe()).raw.workflowExecutionInfo?.historyLength ?? 0) < 4)
        await sleep(50);
    }
    return async () => {
      await Promise.all(handles.map((h) => h.signal('release')));
    };
  };
}

/**
 * RSS of a bare worker with the prebuilt bundle holding each count of open
 * workflows (0: idle), and of a bare activity-only worker (the model worker's
 * floor), on the given server.
 */
export async function bareFloor(
  client: Client,
  address: string,
  counts: readonly number[],
  bundle: string,
): Promise<{ workflows: Map<number, number>; activityOnly: number }> {
  // The same Node options as the workers it is compared with (they inherit this process's).
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: address,
    ...(process.env.NODE_OPTIONS && { NODE_OPTIONS: process.env.NODE_OPTIONS }),
  };
  const workflows = new Map<number, number>();
  for (const n of counts) {
    const taskQueue = `floor-${n}-${Date.now()}`;
    const s = await measure(
      BARE_WORKER,
      { ...base, BARE_BUNDLE: bundle, BARE_TASK_QUEUE: taskQueue },
      n > 0 ? holding(client, n) : undefined,
    );
    workflows.set(n, s.rssBytes);
  }
  const activityOnly = (
    await measure(BARE_WORKER, { ...base, BARE_TASK_QUEUE: `floor-activities-${Date.now()}` })
  ).rssBytes;
  return { workflows, activityOnly };
}
