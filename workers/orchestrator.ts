/** The orchestrator worker process: issue and agent workflows, GitHub and analysis activities. */
import { createOrchestratorWorker } from './create.js';
import { main } from './main.js';

main('orchestrator', createOrchestratorWorker);
