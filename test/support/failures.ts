/** What a promise was rejected with, expected to be a Temporal ApplicationFailure. */
import { expect } from '@jest/globals';
import { ApplicationFailure } from '@temporalio/common';

export async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}
