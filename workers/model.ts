/** The model worker process: model-call activities, bounded by MODEL_SLOTS. */
import { createModelWorker } from './create.js';
import { runWorkerProcess } from './main.js';

runWorkerProcess('model-worker', createModelWorker).catch((err: unknown) => {
  console.error('[model-worker] fatal:', err instanceof Error ? err.message : err);
  process.exit(1);
});
