/** The bare worker's workflows (bench/worker-start.ts): the SDK's floor, no BlogTube code. */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export async function bare(): Promise<string> {
  return 'ok';
}

export const release = defineSignal('release');

/** An open workflow that holds a cache slot until released, like a run waiting on its agents. */
export async function waiting(): Promise<void> {
  let released = false;
  setHandler(release, () => void (released = true));
  await condition(() => released);
}
