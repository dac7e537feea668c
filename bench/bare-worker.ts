/**
 * A bare worker of the same SDK (bench/floor.ts): one trivial workflow, no
 * activities, loaded from a prebuilt bundle (BARE_BUNDLE) or bundled at start
 * (BARE_WORKFLOWS); with neither, an activity-only worker (one trivial
 * activity), the floor of a model worker. Prints "polling" once it polls,
 * like BlogTube's workers, and runs with their V8 heap tuning
 * (WORKER_HEAP_GROWING_PERCENT, common/heap-tuning.ts).
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { applyHeapGrowing, DEFAULT_HEAP_GROWING_PERCENT } from '../common/heap-tuning.js';

// The same V8 heap tuning as the workers it is the floor of (workers/main.ts).
applyHeapGrowing(Number(process.env.WORKER_HEAP_GROWING_PERCENT || DEFAULT_HEAP_GROWING_PERCENT));

const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const taskQueue = process.env.BARE_TASK_QUEUE ?? 'bare';
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  taskQueue,
  ...(process.env.BARE_BUNDLE
    ? { workflowBundle: { codePath: process.env.BARE_BUNDLE } }
    : process.env.BARE_WORKFLOWS
      ? { workflowsPath: process.env.BARE_WORKFLOWS }
      : { activities: { noop: async () => 'ok' } }),
});
process.stdout.write(`bare worker polling ${taskQueue}\n`);
await worker.run();
await connection.close();
