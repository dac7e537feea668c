/**
 * A bare worker of the same SDK (bench/floor.ts): one trivial workflow, no
 * activities, loaded from a prebuilt bundle (BARE_BUNDLE) or bundled at start
 * (BARE_WORKFLOWS); with neither, an activity-only worker (one trivial
 * activity), the floor of a model worker. Prints "polling" once it polls,
 * like BlogTube's workers.
 */
import { NativeConnection, Worker } from '@temporalio/worker';

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
