/** The orchestrator worker process: issue and agent workflows, GitHub and analysis activities. */
import { createOrchestratorWorker } from './create.js';
import { runWorkerProcess } from './main.js';

runWorkerProcess('orchestrator', createOrchestratorWorker).catch((err: unknown) => {
  console.error('[orchestrator] fatal:', err instanceof Error ? err.message : err);
  process.exit(1);
});
