/** Shared entry logic of the worker processes: connect, run, stop on SIGTERM/SIGINT. */
import type { Worker } from '@temporalio/worker';
import { loadSettings } from '../common/env.js';
import { connectWorker } from './create.js';
import type { WorkerContext } from './create.js';

export async function runWorkerProcess(
  name: string,
  create: (ctx: WorkerContext) => Promise<Worker>,
): Promise<void> {
  const settings = loadSettings();
  const connection = await connectWorker(settings);
  const worker = await create({ settings, connection });
  console.log(`[${name}] polling ${worker.options.taskQueue} on ${settings.TEMPORAL_ADDRESS}`);
  // Worker.run() shuts down gracefully on SIGINT/SIGTERM (Runtime's shutdown signals).
  await worker.run();
  await connection.close();
  console.log(`[${name}] stopped`);
}
