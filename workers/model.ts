/** The model worker process: model-call activities, bounded by MODEL_SLOTS. */
import { createModelWorker } from './create.js';
import { main } from './main.js';

main('model', createModelWorker);
