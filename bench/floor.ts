/**
 * The SDK's memory floor, measured in the caller's run: a bare worker of the
 * same SDK (bench/bare-worker.ts) spawned as a process the way the benchmark
 * spawns BlogTube's workers (the heap probe preloaded, an IPC channel), its
 * RSS traced from /proc from the moment it polls: idle, and while it takes
 * `n` open workflows into its sticky cache. Used by bench/worker-start.ts and
 * bench/prod.ts.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { leanSourceMap } from '../scripts/bundle-workflows.js';
import { ROOT } from '../scripts/issue-data.js';
import { sleep } from '../scripts/net.js';
import {
  fromProbe,
  idleRss,
  peakRss,
  rssOf,
  SETTLE_MS,
  type IdleRss,
  type RssSample,
} from './rss-trace.js';

export const IDLE_MS = 5_000;

export interface Sample {
  startMs: number;
  /** RSS `idleMs` after polling (after the open workflows were taken, if any). */
  rssBytes: number;
  /** Largest RSS from polling to the end. */
  peakBytes: number;
  /** Largest main-thread heap used the probe reported from polling to the end. */
  peakHeapUsed: number;
  /** Early and settled idle RSS (bench/rss-trace.ts): only when measured for SETTLE_MS with no workflows. */
  idle?: IdleRss;
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
  const probe = pathToFileURL(join(ROOT, 'dist', 'bench', 'heap-probe.js')).href;
  const child = spawn(process.execPath, ['--import', probe, file], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const samples: (RssSample & { heapUsed: number })[] = [];
  child.on('message', (m: unknown) => {
    const r = fromProbe(m);
    if (r) samples.push({ at: Date.now(), rss: r.rss, heapUsed: r.heapUsed });
  });
  let out = '';
  const startMs = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (/polling/.test(out)) resolve(Date.now() - started);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}):\n${out}`)));
  });
  const readyAt = Date.now();
  try {
    const close = openWorkflows ? await openWorkflows(env.BARE_TASK_QUEUE ?? 'bare') : undefined;
    await sleep(idleMs);
    const rssBytes = rssOf(child.pid as number);
    const peakBytes = peakRss(samples, readyAt);
    const heaps = samples.filter((x) => x.at >= readyAt).map((x) => x.heapUsed);
    const peakHeapUsed = heaps.length ? Math.max(...heaps) : NaN;
    await close?.();
    return {
      startMs,
      rssBytes,
      peakBytes,
      peakHeapUsed,
      ...(!openWorkflows && idleMs >= SETTLE_MS && { idle: idleRss(samples, readyAt) }),
    };
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

/** The floor of each worker role, in the caller's run. */
export interface Floor {
  /** The bare worker with the prebuilt bundle, no workflows (the orchestrator's idle floor). */
  idle: IdleRss;
  /** A bare activity-only worker (the model worker's floor). */
  activityOnly: IdleRss;
  /** The bare worker taking `n` open workflows: its peak RSS, and RSS `IDLE_MS` after it held them all. */
  byOpen: Record<string, { peak: number; held: number; heapUsed?: number }>;
}

/**
 * RSS of a bare worker with the prebuilt bundle idle and holding each count
 * of open workflows, and of a bare activity-only worker, on the given server.
 */
export async function bareFloor(
  client: Client,
  address: string,
  opens: readonly number[],
  bundle: string,
): Promise<Floor> {
  // The same Node options as the workers it is compared with (they inherit this process's).
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: address,
    ...(process.env.NODE_OPTIONS && { NODE_OPTIONS: process.env.NODE_OPTIONS }),
    ...(process.env.WORKER_HEAP_GROWING_PERCENT && {
      WORKER_HEAP_GROWING_PERCENT: process.env.WORKER_HEAP_GROWING_PERCENT,
    }),
  };
  const settled = async (env: NodeJS.ProcessEnv): Promise<IdleRss> => {
    const s = await measure(BARE_WORKER, env, undefined, SETTLE_MS);
    return s.idle as IdleRss;
  };
  const idle = await settled({
    ...base,
    BARE_BUNDLE: bundle,
    BARE_TASK_QUEUE: `floor-0-${Date.now()}`,
  });
  const byOpen: Floor['byOpen'] = {};
  for (const n of opens.filter((x) => x > 0)) {
    const taskQueue = `floor-${n}-${Date.now()}`;
    const s = await measure(
      BARE_WORKER,
      { ...base, BARE_BUNDLE: bundle, BARE_TASK_QUEUE: taskQueue },
      holding(client, n),
    );
    byOpen[String(n)] = { peak: s.peakBytes, held: s.rssBytes, heapUsed: s.peakHeapUsed };
  }
  const activityOnly = await settled({
    ...base,
    BARE_TASK_QUEUE: `floor-activities-${Date.now()}`,
  });
  return { idle, activityOnly, byOpen };
}
