/**
 * Workflows of the live-codec test: one waits for a maintainer's decision (a
 * signal) and returns it; one fails with a message that must not be readable
 * in history without the codec key.
 */
import { ApplicationFailure, condition, defineSignal, setHandler } from '@temporalio/workflow';

export const decideSignal = defineSignal<[string]>('decide');

export async function awaitDecision(): Promise<string> {
  let decision: string | undefined;
  setHandler(decideSignal, (d) => {
    decision = d;
  });
  await condition(() => decision !== undefined);
  return decision ?? '';
}

export async function failLoudly(text: string): Promise<void> {
  throw ApplicationFailure.nonRetryable(text, 'Loud');
}
